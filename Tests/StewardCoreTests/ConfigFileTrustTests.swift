import Testing
@testable import StewardCore

@Suite struct ConfigFileTrustTests {
    typealias S = ConfigFileTrust.Stat

    @Test(arguments: [
        (S(ownerUID: 0, mode: 0o644, isRegular: true, size: 100), 0 as UInt32, nil as String?),
        (S(ownerUID: 0, mode: 0o600, isRegular: true, size: 100), 0, nil),
        (S(ownerUID: 0, mode: 0o640, isRegular: true, size: 100), 0, nil),
        (S(ownerUID: 999, ownerName: "calb", mode: 0o644, isRegular: true, size: 100), 0, "owned by calb, not root"),
        (S(ownerUID: 999, mode: 0o600, isRegular: true, size: 100), 0, "owned by uid 999, not root"),
        (S(ownerUID: 0, mode: 0o664, isRegular: true, size: 100), 0, "writable by its group (mode 664)"),
        (S(ownerUID: 0, mode: 0o646, isRegular: true, size: 100), 0, "writable by everyone (mode 646)"),
        (S(ownerUID: 0, mode: 0o644, isRegular: false, size: 0), 0, "not a regular file"),
        (S(ownerUID: 0, mode: 0o644, isRegular: true, size: 5_000_000), 0, "more than the 4194304"),
        // Not root: Steward can do no more than its user, so the user's own files are fine.
        (S(ownerUID: 999, mode: 0o666, isRegular: true, size: 100), 999, nil),
        (S(ownerUID: 999, mode: 0o644, isRegular: false, size: 100), 999, "not a regular file"),
    ])
    func verdict(stat: S, runner: UInt32, expected: String?) {
        let why = ConfigFileTrust.refusal(path: "/srv/app/steward.yml", stat: stat, runnerUID: runner)
        if let expected {
            #expect(why?.contains(expected) == true, "\(String(describing: why))")
            #expect(why?.hasPrefix("/srv/app/steward.yml: ") == true)
        } else {
            #expect(why == nil)
        }
    }

    @Test func theFixNamesTheFileQuoted() {
        let why = ConfigFileTrust.refusal(path: "/srv/my app/steward.yml", stat: S(ownerUID: 5, mode: 0o644, isRegular: true, size: 1), runnerUID: 0)
        #expect(why?.contains("chown root:root '/srv/my app/steward.yml' && chmod go-w '/srv/my app/steward.yml'") == true)
    }
}
