import Foundation
import StewardCore

/// A backed-up directory (`backup.directories[].path`) as configured, and where its data really is.
///
/// The configured path may be a symbolic link (`current/uploads -> ../shared/uploads`, `media -> /data/media`).
/// Backup and restore must agree on it: the backup archives the link's target under the configured name, and the
/// restore writes into the link's target and leaves the link in place (replacing the link by a directory would
/// lose the data on the next deploy, which points the link again). The target is resolved when it is used, never
/// through a link another user could change, and refused when it is not the link owner's own directory or lies in a
/// system directory.
struct DataDirectory {
    let configured: String
    /// The directory holding the data (the link's target's parent when the configured path is a link), opened.
    let parent: SafePath.Directory
    /// The data directory's name in `parent`.
    let name: String
    /// The symbolic link the configured path is, when it is one.
    let link: String?
    /// Whether the data directory is there (false only when `open` was told it need not be).
    let exists: Bool

    var path: String { parent.path == "/" ? "/" + name : parent.path + "/" + name }

    /// Places a data directory reached through an app user's link must not be in.
    static let systemPlaces = ["/etc", "/root", "/boot", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/proc", "/sys",
                               "/dev", "/run", "/var/lib/steward", "/var/backups"]

    /// Opens the configured path's directory. A missing directory (or a link's missing target) is allowed when
    /// `mustExist` is false (a restore creates it): ``exists`` then says false.
    ///
    /// The owner is read by path first (`lstat`) and the path then opened again, following that owner's links: the
    /// app's user could re-point one of its links in between (to `/var/lib/<root's service>/`). So what is opened is
    /// checked to be the very entry `lstat` saw (device and inode), owned by that user, and, when a link led
    /// elsewhere, outside the system places.
    static func open(_ configured: String, mustExist: Bool) throws -> DataDirectory {
        var st = stat()
        // Whose tree this is: the owner of the configured entry itself (the link when it is one). Links that user
        // made on the way are followed (it owns what they lead to, which is checked below); nobody else's are.
        let seen = lstat(configured, &st) == 0 ? st : nil
        let owner = seen?.st_uid
        let (parent, name) = try SafePath.openParent(of: configured, trusting: owner)
        var entry = stat()
        guard fstatat(parent.fd, name, &entry, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT, !mustExist, seen == nil { return DataDirectory(configured: configured, parent: parent, name: name, link: nil, exists: false) }
            if seen != nil { throw changed(configured) }
            throw StoreError("\(configured) does not exist")
        }
        if let seen, let owner, owner != 0 {
            guard entry.st_dev == seen.st_dev, entry.st_ino == seen.st_ino, entry.st_uid == owner else { throw changed(configured) }
        }
        switch entry.st_mode & S_IFMT {
        case S_IFDIR:
            let data = DataDirectory(configured: configured, parent: parent, name: name, link: nil, exists: true)
            if let owner, owner != 0, data.path != URL(fileURLWithPath: configured).standardized.path {
                // Reached through the owner's link: the same places are refused as for a data directory that is a link.
                try refuseSystemPlace(data.path, configured: configured)
            }
            return data
        case S_IFLNK:
            guard let text = SafePath.readLink(parent.fd, name) else { throw StoreError("cannot read the link \(configured): \(StoreFiles.errnoText())") }
            let target = text.hasPrefix("/") ? text : parent.path + "/" + text
            let (realParent, realName) = try SafePath.openParent(of: target, trusting: entry.st_uid)
            var real = stat()
            let found = fstatat(realParent.fd, realName, &real, AT_SYMLINK_NOFOLLOW) == 0
            guard found || (errno == ENOENT && !mustExist) else {
                throw StoreError("\(configured) is a symbolic link to \(text), which does not exist")
            }
            let data = DataDirectory(configured: configured, parent: realParent, name: realName, link: text, exists: found)
            if found, (real.st_mode & S_IFMT) != S_IFDIR {
                throw StoreError("\(configured) is a symbolic link to \(data.path), which is not a directory (links are followed once)")
            }
            if entry.st_uid != 0 {
                // A missing target (its data deleted) is made again in the link owner's own directory only.
                var dir = stat()
                let owned = found ? real.st_uid == entry.st_uid : fstat(realParent.fd, &dir) == 0 && dir.st_uid == entry.st_uid
                guard owned else {
                    throw StoreError("\(configured) is a symbolic link to \(data.path), which \(SafePath.userName(entry.st_uid)) (the link's owner) does not own; refusing to follow it as root")
                }
                try refuseSystemPlace(data.path, configured: configured)
            }
            return data
        default:
            throw StoreError("\(configured) is not a directory")
        }
    }

    static func refuseSystemPlace(_ path: String, configured: String) throws {
        if let place = systemPlaces.first(where: { path == $0 || path.hasPrefix($0 + "/") }) ?? (path == "/" ? "/" : nil) {
            throw StoreError("\(configured) is a symbolic link into \(place) (\(path)); refusing to follow it as root")
        }
    }

    static func changed(_ configured: String) -> StoreError {
        StoreError("\(configured) changed while Steward opened it (a link on the way re-pointed?); refusing to follow it as root")
    }
}
