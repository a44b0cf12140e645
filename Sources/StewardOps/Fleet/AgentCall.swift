import Foundation
import StewardCore

/// One operation run by an agent and its result decoded as the operation's own type: what a caller inside Steward
/// needs when the work happens in another process (the daemon's audit, through ``LocalAgentTransport``) rather than a
/// transcript to print (the fleet's commands, through ``FleetRun``).
public enum AgentCall {
    /// The host ``LocalAgentTransport`` stands for in messages.
    public static let localHost = FleetHost(name: "local", destination: "localhost")

    /// Runs `operation` with `request` through `transport`; its decoded result and exit code. A session that did not
    /// answer, a refusal or a result that does not decode is an error with the reason.
    public static func run<O: StewardOperation>(_ operation: O.Type, _ request: O.Request, state: String? = nil,
                                                on host: FleetHost = localHost, transport: any AgentTransport, timeout: Duration,
                                                operationID: String? = nil, operatorName: String? = nil) async throws(OperationError) -> (output: O.Output, exitCode: Int32) {
        let tree: JSONTree
        do { tree = try JSONDecoder.steward.decode(JSONTree.self, from: JSONEncoder.stewardLine.encode(request)) } catch {
            throw OperationError(.invalidRequest, "\(O.name): the request does not encode: \(error)")
        }
        let envelope = AgentProtocol.Envelope(operation: O.name, request: tree, state: state, operationID: operationID, operatorName: operatorName)
        let outcome = await FleetRun.run(envelope, on: [host], parallel: 1, timeout: timeout, transport: transport).first
        switch outcome?.state {
        case nil: throw OperationError(.failed, "\(O.name): no answer")
        case .unreachable(let reason)?: throw OperationError(.unavailable, "\(O.name) through the agent: \(reason)", subject: host.name)
        case .answered(let session)?:
            switch session.ending {
            case .refused(let error): throw error
            case .result(let code, let json):
                do { return (try JSONDecoder.steward.decode(O.Output.self, from: json), code) } catch {
                    throw OperationError(.failed, "\(O.name): the agent's result does not decode: \(DecodingErrorText.describe(error))")
                }
            }
        }
    }
}
