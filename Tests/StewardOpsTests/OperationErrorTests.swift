import Foundation
import Testing
@testable import StewardOps

@Suite struct OperationErrorTests {
    @Test func errorsEncodeWithTheirCodeHintAndSubject() throws {
        let error = OperationError(.busy, "marb@prod is busy", hint: "wait for deploy #3", subject: "marb@prod", exitCode: 3)
        let json = String(decoding: try JSONEncoder.stewardLine.encode(error), as: UTF8.self)
        #expect(json == #"{"code":"busy","details":[],"exit_code":3,"hint":"wait for deploy #3","message":"marb@prod is busy","subject":"marb@prod"}"#)
        #expect(try JSONDecoder.steward.decode(OperationError.self, from: Data(json.utf8)) == error)
    }

    @Test func aTargetNameSplitsAtTheFirstAt() {
        #expect(TargetName("marb@prod") == TargetName(app: "marb", instance: "prod"))
        #expect(TargetName("marb") == TargetName(app: "marb"))
        #expect(TargetName(nil) == nil)
        #expect(TargetName("marb")!.matches(app: "marb", instance: "test"))
        #expect(!TargetName("marb@prod")!.matches(app: "marb", instance: "test"))
    }
}
