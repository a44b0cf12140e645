import Testing
@testable import StewardCore

@Suite("Git rules")
struct GitRuleTests {
    /// N1 with both checkouts' git state replaced by `git`.
    static func bothCheckouts(_ git: GitFacts?) -> Facts {
        n1Facts().with(appDir: N1.prodDir) { $0.git = git }.with(appDir: N1.testDir) { $0.git = git }
    }

    static let testIsProduction = """
        apps:
          calb-sizingtool:
            instances:
              test:
                production: true
        """

    // MARK: git.prod-on-branch

    @Test func prodOnABranchIsAWarningAboutProdOnly() {
        // N1: prod and test both on refactor/streamlit-structure-v1; only prod is production.
        let result = findings("git.prod-on-branch", n1Facts())
        #expect(result.map { RuleSubject($0) } == [RuleSubject("git.prod-on-branch", "calb-sizingtool@prod", .warning)])
        #expect(result.first?.summary == "Production calb-sizingtool@prod runs branch \(N1.branch), not a release tag")
        #expect(result.first?.evidence == ["\(N1.prodDir): branch \(N1.branch) at 6c618bc, HEAD is not at a tag"])
    }

    @Test func prodOnATagIsFine() {
        let facts = Self.bothCheckouts(GitFacts(branch: nil, tag: "v20251227-1", commit: N1.commit))
        #expect(findings("git.prod-on-branch", facts).isEmpty)
    }

    @Test func branchHeadThatIsAlsoTaggedIsFine() {
        let facts = Self.bothCheckouts(GitFacts(branch: "main", tag: "v20251227-1", commit: N1.commit))
        #expect(findings("git.prod-on-branch", facts).isEmpty)
    }

    @Test func detachedHeadIsNotABranch() {
        let facts = Self.bothCheckouts(GitFacts(branch: nil, tag: nil, commit: N1.commit))
        #expect(findings("git.prod-on-branch", facts).isEmpty)
    }

    @Test func nonProductionTestOnABranchIsFine() {
        // Only test has a checkout: no finding, test is not production.
        let facts = n1Facts().with(appDir: N1.prodDir) { $0.git = nil }
        #expect(findings("git.prod-on-branch", facts).isEmpty)
    }

    @Test func manifestMarkingTestProductionMakesItFire() {
        let manifest = parsedManifest(Self.testIsProduction)
        let result = findings("git.prod-on-branch", n1Facts(), manifest)
        #expect(Set(result.map { RuleSubject($0) }) == [
            RuleSubject("git.prod-on-branch", "calb-sizingtool@prod", .warning),
            RuleSubject("git.prod-on-branch", "calb-sizingtool@test", .warning),
        ])
    }

    @Test func manifestMarkingProdNonProductionSilencesIt() {
        let manifest = parsedManifest("""
            apps:
              calb-sizingtool:
                instances:
                  prod:
                    production: false
            """)
        #expect(findings("git.prod-on-branch", n1Facts(), manifest).isEmpty)
    }

    // MARK: git.dirty-worktree

    @Test func dirtyWorktreesAreWarningInProductionAndInfoElsewhere() {
        let result = findings("git.dirty-worktree", n1Facts())
        #expect(result.map { RuleSubject($0) } == [
            RuleSubject("git.dirty-worktree", N1.prodDir, .warning),
            RuleSubject("git.dirty-worktree", N1.testDir, .info),
        ])
        #expect(result.first?.evidence == ["M requirements.txt", "on branch \(N1.branch), used by calb-sizingtool@prod"])
    }

    @Test func untrackedOnlyIsNotDirty() {
        let facts = Self.bothCheckouts(GitFacts(branch: N1.branch, tag: nil, commit: N1.commit, untracked: ["docs/"]))
        #expect(findings("git.dirty-worktree", facts).isEmpty)
    }

    @Test func dirtyTestBecomesAWarningWhenTheManifestMakesItProduction() {
        let result = findings("git.dirty-worktree", n1Facts(), parsedManifest(Self.testIsProduction))
        #expect(result.map(\.severity) == [.warning, .warning])
    }

    // MARK: git.untracked-files

    @Test func untrackedFilesAreInfoPerCheckout() {
        let result = findings("git.untracked-files", n1Facts())
        #expect(result.map { RuleSubject($0) } == [
            RuleSubject("git.untracked-files", N1.prodDir, .info),
            RuleSubject("git.untracked-files", N1.testDir, .info),
        ])
        #expect(result.first?.evidence == ["?? docs/"])
    }

    @Test func cleanCheckoutsHaveNoGitFindings() {
        let facts = Self.bothCheckouts(GitFacts(branch: nil, tag: "v1.0.0", commit: N1.commit))
        for id in ["git.prod-on-branch", "git.dirty-worktree", "git.untracked-files"] {
            #expect(findings(id, facts).isEmpty, "\(id)")
        }
    }

    @Test func checkoutsWithoutGitAreIgnored() {
        let facts = Self.bothCheckouts(nil)
        for id in ["git.prod-on-branch", "git.dirty-worktree", "git.untracked-files"] {
            #expect(findings(id, facts).isEmpty, "\(id)")
        }
    }

    @Test func aCheckoutSharedByTwoInstancesIsReportedOnce() {
        let facts = n1Facts().with(unit: N1.testUnit) { $0.workingDirectory = N1.prodDir }
        #expect(findings("git.untracked-files", facts).count == 1)
        let dirty = findings("git.dirty-worktree", facts)
        #expect(dirty.count == 1)
        #expect(dirty.first?.evidence.last == "on branch \(N1.branch), used by calb-sizingtool@prod, calb-sizingtool@test")
    }
}
