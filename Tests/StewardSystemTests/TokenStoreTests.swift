import Foundation
import StewardCore
@testable import StewardSystem
import Testing

/// Tokens against a real file: made, hashed, verified; the file's owner and mode decide whether it is used at all.
@Suite struct TokenStoreTests {
    @Test func aNewTokenHasThePrefixAndEnoughEntropyAndVerifiesByItsHash() throws {
        let tree = try TempTree()
        let path = tree.root + "/etc/steward/tokens"
        let tokens = (0..<50).map { _ in TokenSecret.generate() }
        #expect(Set(tokens).count == 50)
        for token in tokens {
            #expect(token.hasPrefix("stw_") && token.utf8.count == 47, "\(token)")
            #expect(token.dropFirst(4).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
        try TokenFileIO.write([TokenEntry(name: "ci", scopes: [.operate], sha256: TokenSecret.digestHex(tokens[0]), created: Date())], to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(tokens[0]), "only the hash is kept")
        #expect(text.contains(TokenSecret.digestHex(tokens[0])))
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        let store = TokenStore(path: path)
        #expect(store.verify(tokens[0]) == .granted(name: "ci", scopes: [.operate]))
        #expect(store.verify(tokens[1]) == .denied)
        #expect(store.problem() == nil)
    }

    @Test func theDigestIsSHA256OfTheToken() {
        // printf %s stw_abc | sha256sum
        #expect(TokenSecret.digestHex("stw_abc") == "8f5d9d535ee174d785c7ba0dddded8c003ccaa5c9f689a17d1585e2e587d4b5f")
    }

    @Test func aFileOthersCanReachOrAnotherUserOwnsRefusesEveryToken() throws {
        let tree = try TempTree()
        let path = tree.root + "/tokens"
        let token = TokenSecret.generate()
        try TokenFileIO.write([TokenEntry(name: "ci", scopes: [.read], sha256: TokenSecret.digestHex(token), created: Date())], to: path)
        #expect(chmod(path, 0o640) == 0)
        guard case .unavailable(let why) = TokenStore(path: path).verify(token) else { Issue.record("granted"); return }
        #expect(why.contains("mode 640") && why.contains("chmod 0600"), "\(why)")
        #expect(chmod(path, 0o600) == 0)
        #expect(chown(path, 65534, 65534) == 0)
        guard case .unavailable(let owner) = TokenStore(path: path).verify(token) else { Issue.record("granted"); return }
        #expect(owner.contains("owned by uid 65534"), "\(owner)")
        // A link under the name is not followed.
        #expect(chown(path, 0, 0) == 0)
        try FileManager.default.moveItem(atPath: path, toPath: tree.root + "/real")
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: tree.root + "/real")
        guard case .unavailable(let link) = TokenStore(path: path).verify(token) else { Issue.record("granted through a link"); return }
        #expect(link.contains("cannot open"), "\(link)")
    }

    @Test func aMissingFileSaysHowToMakeAToken() throws {
        let tree = try TempTree()
        let store = TokenStore(path: tree.root + "/none")
        #expect(store.problem()?.contains("steward serve token add NAME --scope read") == true)
        #expect(store.verify("stw_x") == .unavailable("\(tree.root)/none does not exist; make a token with: steward serve token add NAME --scope read"))
    }

    @Test func writingRefusesADirectoryOthersCanWrite() throws {
        let tree = try TempTree()
        let directory = tree.root + "/shared"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(chmod(directory, 0o777) == 0)
        #expect(throws: StoreError.self) { try TokenFileIO.write([], to: directory + "/tokens") }
        #expect(!FileManager.default.fileExists(atPath: directory + "/tokens"))
    }
}
