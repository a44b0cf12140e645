import Foundation
import Testing
@testable import StewardSystem

/// Root writes its stamp into an app's venv without following what the venv's owner planted there.
@Suite struct SafeWriteTests {
    @Test func aLinkPlantedUnderTheNameIsReplacedNotFollowed() throws {
        try #require(geteuid() == 0)
        let tree = try TempTree()
        let outside = try tree.write("/outside/root-file", "root's\n", mode: 0o600)
        let venv = tree.root + "/venv"
        try FileManager.default.createDirectory(atPath: venv, withIntermediateDirectories: true)
        try #require(chown(venv, 65534, 65534) == 0)
        try FileManager.default.createSymbolicLink(atPath: venv + "/.steward-requirements.sha256", withDestinationPath: outside)
        try SafeWrite.replace(".steward-requirements.sha256", in: venv, with: Data("abc\n".utf8))
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "root's\n")
        var st = stat()
        #expect(lstat(venv + "/.steward-requirements.sha256", &st) == 0)
        #expect((st.st_mode & S_IFMT) == S_IFREG && st.st_uid == 65534)
        #expect(try String(contentsOfFile: venv + "/.steward-requirements.sha256", encoding: .utf8) == "abc\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: venv) == [".steward-requirements.sha256"])
    }
}
