import Testing
@testable import StewardCore

/// `steward hosts trust`'s pure part: what ssh-keyscan offered, read strictly; the known_hosts lines written; what
/// `ssh -G` says the host, port and known_hosts file are.
@Suite struct HostKeysTests {
    @Test func scannedKeysAreReadStrictlyOnceEachStrongestFirst() {
        let scan = """
            # 10.0.0.2:22 SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6
            10.0.0.2 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC7
            10.0.0.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF0q
            10.0.0.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF0q
            10.0.0.2 ssh-dss AAAAB3NzaC1kc3MAAACBAP
            10.0.0.2 ssh-ed25519 not;base64
            evil.example ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY= extra
            """
        let keys = HostKeys.parseScan(scan)
        #expect(keys == [HostKeys.Key(type: "ssh-ed25519", base64: "AAAAC3NzaC1lZDI1NTE5AAAAIF0q"),
                         HostKeys.Key(type: "ecdsa-sha2-nistp256", base64: "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY="),
                         HostKeys.Key(type: "ssh-rsa", base64: "AAAAB3NzaC1yc2EAAAADAQABAAABgQC7")])
        // Written under the host's own name, whatever name the scanned lines carried.
        #expect(HostKeys.lines(Array(keys.prefix(2)), host: "10.0.0.2", port: 2222) == """
            [10.0.0.2]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF0q
            [10.0.0.2]:2222 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=

            """)
        #expect(HostKeys.pattern(host: "web1.internal", port: 22) == "web1.internal")
    }

    @Test func sshGivesTheRealHostPortAndKnownHostsFile() {
        let g = "user root\nhostname 10.231.1.2\nport 2222\nuserknownhostsfile /root/.ssh/known_hosts /root/.ssh/known_hosts2\n"
        let e = HostKeys.effective(g)
        #expect(e == HostKeys.Effective(host: "10.231.1.2", port: 2222, knownHosts: "/root/.ssh/known_hosts", indirect: nil))
        #expect(HostKeys.effective(g + "proxyjump bastion\n")?.indirect == "proxyjump")
        #expect(HostKeys.effective(g + "hostkeyalias web1\n")?.indirect == "hostkeyalias")
        #expect(HostKeys.effective(g + "proxycommand none\n")?.indirect == nil)
        #expect(HostKeys.effective("hostname -oProxyCommand=x\nport 22\n") == nil)
        #expect(HostKeys.effective("port 22\n") == nil)
    }
}
