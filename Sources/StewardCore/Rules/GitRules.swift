/// Rules about the release state of the apps' git checkouts.
enum GitRules {
    static let all = [prodOnBranch, dirtyWorktree, untrackedFiles]

    /// Each checkout once, with the instances that run from it.
    static func checkouts(_ ctx: AuditContext) -> [(AppDirFacts, GitFacts, [Inventory.Instance])] {
        var order: [String] = []
        var users: [String: [Inventory.Instance]] = [:]
        for instance in ctx.inventory.apps {
            guard let path = instance.workingDirectory else { continue }
            if users[path] == nil { order.append(path) }
            users[path, default: []].append(instance)
        }
        return order.compactMap { path in
            guard let dir = ctx.facts.appDir(path), let git = dir.git else { return nil }
            return (dir, git, users[path]!)
        }
    }

    static let prodOnBranch: Rule = Rule(
        id: "git.prod-on-branch", severity: .warning,
        rationale: "Production on a branch head changes with every pull; a tag is a release you can name and roll back to."
    ) { ctx in
        checkouts(ctx).flatMap { dir, git, instances in
            instances.filter(\.production).compactMap { instance -> Finding? in
                guard git.tag == nil, let branch = git.branch else { return nil }
                return prodOnBranch.finding(
                    subject: instance.label,
                    summary: "Production \(instance.label) runs branch \(branch), not a release tag",
                    evidence: ["\(dir.path): branch \(branch) at \(git.shortCommit), HEAD is not at a tag"],
                    fix: "Tag the tested commit and deploy the tag: `git -C \(dir.path) tag -a vYYYYMMDD-1 -m release \(git.shortCommit) && git -C \(dir.path) checkout vYYYYMMDD-1`, then `systemctl restart \(instance.unit)`.")
            }
        }
    }

    static let dirtyWorktree: Rule = Rule(
        id: "git.dirty-worktree", severity: .warning,
        rationale: "Local edits on a server are code that is in no release: lost at the next deploy, unknown to review."
    ) { ctx in
        checkouts(ctx).compactMap { dir, git, instances in
            guard git.isDirty else { return nil }
            return dirtyWorktree.finding(
                instances.contains(where: \.production) ? .warning : .info,
                subject: dir.path,
                summary: "\(dir.path) has \(git.modified.count) uncommitted change(s)",
                evidence: git.modified.prefix(10).map { "M \($0)" } + ["on \(git.describe), used by \(instances.map(\.label).joined(separator: ", "))"],
                fix: "Review with `git -C \(dir.path) diff`; commit the change upstream and deploy it, or discard it with `git -C \(dir.path) checkout -- \(git.modified.prefix(3).joined(separator: " "))`.")
        }
    }

    static let untrackedFiles: Rule = Rule(
        id: "git.untracked-files", severity: .info,
        rationale: "Untracked files in a checkout are often hand-copied fixes or stray data that a deploy will not carry."
    ) { ctx in
        checkouts(ctx).compactMap { dir, git, _ in
            guard !git.untracked.isEmpty else { return nil }
            return untrackedFiles.finding(
                subject: dir.path,
                summary: "\(dir.path) has \(git.untracked.count) untracked path(s)",
                evidence: git.untracked.prefix(10).map { "?? \($0)" },
                fix: "Commit what belongs to the app, add generated files to .gitignore, and remove the rest: `git -C \(dir.path) clean -n` shows what `clean -fd` would delete.")
        }
    }
}
