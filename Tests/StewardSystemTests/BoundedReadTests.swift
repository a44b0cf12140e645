import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// Files an app user controls are read bounded: a device, FIFO or socket is refused at once (no hang, no memory
/// eaten), and a file over the cap is an error, not a read of gigabytes.
@Suite(.timeLimit(.minutes(1))) struct BoundedReadTests {
    @Test func anEnvFileSymlinkedToDevZeroIsRefusedAtOnce() async throws {
        let tree = try TempTree()
        try tree.symlink("/etc/app/app.env", to: "/dev/zero")
        let files = HostFiles(root: tree.root)
        #expect(throws: FileError.notRegular("/etc/app/app.env")) { try files.read("/etc/app/app.env") }
        let facts = await FilesProbe.envFiles(ProbeContext(files: files), paths: ["/etc/app/app.env"]).files
        #expect(facts.first?.unreadableReason?.contains("not a regular file") == true, "\(facts)")
        #expect(facts.first?.keys == [])
    }

    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        let tree = try TempTree()
        try tree.mkdir("/etc/nginx/sites-enabled")
        #expect(mkfifo(tree.root + "/etc/nginx/sites-enabled/app", 0o644) == 0)
        let files = HostFiles(root: tree.root)
        #expect(throws: FileError.notRegular("/etc/nginx/sites-enabled/app")) { try files.read("/etc/nginx/sites-enabled/app") }
        #expect(files.readIfPresent("/etc/nginx/sites-enabled/app") == nil)
    }

    @Test func aFileOverTheCapIsAnError() throws {
        let tree = try TempTree()
        let big = try tree.write("/srv/app/requirements.txt", String(repeating: "x", count: BoundedFile.defaultLimit + 1))
        let files = HostFiles(root: tree.root)
        #expect(throws: FileError.tooLarge("/srv/app/requirements.txt", limit: BoundedFile.defaultLimit)) { try files.read("/srv/app/requirements.txt") }
        #expect(throws: FileError.tooLarge(big, limit: 1000)) { try BoundedFile.read(big, limit: 1000) }
        #expect(try files.read("/srv/app/requirements.txt", limit: 8 << 20).count == BoundedFile.defaultLimit + 1)
    }

    /// Deploy hashes the release's requirements.txt to skip pip when nothing changed: the file is the app's.
    @Test func hashingRefusesDevicesAndFIFOs() throws {
        let tree = try TempTree()
        try tree.symlink("/release/requirements.txt", to: "/dev/zero")
        #expect(throws: FileError.notRegular(tree.root + "/release/requirements.txt")) { try BoundedFile.sha256(tree.root + "/release/requirements.txt") }
        #expect(mkfifo(tree.root + "/release/fifo.txt", 0o644) == 0)
        #expect(throws: FileError.notRegular(tree.root + "/release/fifo.txt")) { try BoundedFile.sha256(tree.root + "/release/fifo.txt") }
        let plain = try tree.write("/release/ok.txt", "flask==3.0\n")
        let expected = try StoreFiles.sha256(plain).hex
        #expect(try BoundedFile.sha256(plain) == expected)
    }

    @Test func missingAndDeniedAreToldApart() throws {
        let tree = try TempTree()
        let files = HostFiles(root: tree.root)
        #expect(throws: FileError.missing("/nope")) { try files.read("/nope") }
        let secret = try tree.write("/secret.env", "A=1\n", mode: 0o000)
        _ = secret
        // Root reads mode 000 files; only an unprivileged reader is denied.
        if getuid() != 0 { #expect(throws: FileError.permissionDenied("/secret.env")) { try files.read("/secret.env") } }
    }

    /// An nginx site including a device: the include is skipped, the site still read.
    @Test func nginxIncludeOfADeviceIsSkipped() throws {
        let tree = try TempTree()
        try tree.symlink("/etc/nginx/proxy_params", to: "/dev/zero")
        let files = HostFiles(root: tree.root)
        let sites = NginxConfigParser.parse("server { server_name a; location / { include proxy_params; proxy_pass http://127.0.0.1:1; } }",
                                            file: "x") { files.readIfPresent($0) }
        #expect(sites.first?.locations.first?.proxyPass == "http://127.0.0.1:1")
    }
}
