import Foundation
import StewardCore

extension GitRunAs {
    /// Who runs git in `checkout` (a worktree with `.git`, or a bare repository), from the host's `stat` and
    /// account database (`runuser` resolves names there, so the owner's name comes from the same place).
    public static func forCheckout(_ checkout: String) -> GitRunAs {
        forCheckout(checkout, owned: owned)
    }

    /// ``forCheckout(_:)`` with the owners and modes from `owned` (a deploy's files under its root).
    static func forCheckout(_ checkout: String, owned: (String) -> Owned?) -> GitRunAs {
        let tree = owned(checkout)
        let dotGit = checkout + "/.git"
        let gitDirectory = owned(dotGit) != nil ? dotGit : checkout
        let candidates = (gitDirectory == checkout ? [] : [gitDirectory]) + [gitDirectory + "/config", gitDirectory + "/hooks"]
        return decide(tree: tree, gitFiles: candidates.compactMap(owned), ownerName: tree.flatMap { accountName($0.uid) })
    }

    static func owned(_ path: String) -> Owned? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Owned(path: path, uid: st.st_uid, mode: Int(st.st_mode & 0o7777))
    }

    static func accountName(_ uid: uid_t) -> String? { Account.name(of: uid) }
}
