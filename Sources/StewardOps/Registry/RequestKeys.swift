import Foundation

/// A request's keys that its operation does not know. Decoding alone ignores them, and a misspelt `dryRun` would
/// then run the real deploy: the registry refuses them instead. Found by encoding the decoded request again (every
/// key its type knows, but a nil optional, which is why a key whose value is null passes).
enum RequestKeys {
    static func unknown<R: Encodable>(in data: Data, decoded request: R) -> [String] {
        guard case .object(let given)? = try? JSONDecoder.steward.decode(JSONTree.self, from: data),
              let encoded = try? JSONEncoder.stewardLine.encode(request),
              case .object(let known)? = try? JSONDecoder.steward.decode(JSONTree.self, from: encoded) else { return [] }
        return given.filter { known[$0.key] == nil && $0.value != .null }.keys.sorted()
    }
}
