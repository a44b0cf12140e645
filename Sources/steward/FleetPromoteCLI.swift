import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

extension FleetCLI {
    /// `steward promote APP --from test@n1-test --to prod@n1-prod` (seed 000's test → prod on two machines): the
    /// source host's agent says which tag and commit its instance runs (refused unless on a tag with its checks
    /// passing); the destination host's agent deploys that tag as a promotion that must check out the very commit,
    /// so a tag moved or rebuilt on the way deploys nothing. Both sessions carry this run's operation id.
    static func promote(app: String, from: (instance: String, host: String), to: (instance: String, host: String), dryRun: Bool,
                        options: BackupOptions, inventory: String?, sshConfig: String?, json: Bool, events: EventStyle) async throws -> Never {
        let (host, hosts, transport) = prepare(selection: "\(from.host),\(to.host)", inventory: inventory, sshConfig: sshConfig,
                                               manifest: options.manifest, json: json, events: events)
        guard let source = hosts.first(where: { $0.name == from.host }), let destination = hosts.first(where: { $0.name == to.host }) else {
            OperationCLI.fail(OperationError(.invalidRequest, "--from and --to: name hosts, not groups (\(from.host), \(to.host))"), json: json)
        }
        let state = options.state == StateStore.defaultPath ? nil : options.state
        let id = host.identity.operationID, who = host.identity.operatorName
        let sourceLabel = "\(app)@\(from.instance) on \(source.name)"
        let release: PromoteSourceOperation.Output
        do throws(OperationError) {
            release = try await AgentCall.run(PromoteSourceOperation.self, .init(app: app, instance: from.instance, manifest: options.manifest, store: options.store),
                                              state: state, on: source, transport: transport, timeout: .seconds(600), operationID: id, operatorName: who).output
        } catch {
            var located = error
            located.message = "\(sourceLabel): \(error.message)"
            OperationCLI.fail(located, json: json)
        }
        host.say("promote: \(sourceLabel) runs \(release.tag) (\(release.commit.prefix(12))) and its checks pass")
        let request = DeployOperation.Request(target: "\(app)@\(to.instance)", ref: release.tag, dryRun: dryRun, manifest: options.manifest,
                                              store: options.store, expectedCommit: release.commit)
        let envelope = AgentProtocol.Envelope(operation: DeployOperation.name, request: tree(request), state: state, operationID: id, operatorName: who)
        let destinationLabel = "\(app)@\(to.instance) on \(destination.name)"
        guard let outcome = await FleetRun.run(envelope, on: [destination], parallel: 1, transport: transport).first else {
            OperationCLI.fail(OperationError(.unavailable, "\(destinationLabel): no answer"), json: json)
        }
        let deploy: DeployOperation.Output
        switch outcome.state {
        case .unreachable(let reason):
            OperationCLI.fail(OperationError(.unavailable, "\(destinationLabel): not reached: \(reason)", subject: destination.name), json: json)
        case .answered(let session):
            switch session.ending {
            case .refused(let error):
                var located = error
                located.message = "\(destinationLabel): \(error.message)"
                OperationCLI.fail(located, json: json)
            case .result(_, let data):
                guard let decoded = try? JSONDecoder.steward.decode(DeployOperation.Output.self, from: data) else {
                    OperationCLI.fail(OperationError(.failed, "\(destinationLabel): a deploy result this Steward cannot read"), json: json)
                }
                deploy = decoded
            }
        }
        let output = PromoteOperation.Output(app: app, from: "\(from.instance)@\(source.name)", to: "\(to.instance)@\(destination.name)",
                                             tag: release.tag, commit: release.commit, deploy: deploy)
        if json { OperationCLI.printJSON(output) } else {
            let sections = FleetReport(operation: "promote", outcomes: [outcome]).sections { data in
                (try? JSONDecoder.steward.decode(DeployOperation.Output.self, from: data)).map(DeployText.render)
            }
            print("promote \(release.tag) (\(release.commit.prefix(12))) from \(output.from) to \(output.to):\n" + sections, terminator: "")
        }
        DeployText.reportUnrecorded(deploy.stateWriteError)
        throw ExitCode(output.exitCode)
    }
}
