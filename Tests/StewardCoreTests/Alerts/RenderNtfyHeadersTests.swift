import Foundation
import Testing
@testable import StewardCore

/// ntfy's headers: title, priority by severity (good news at the default), tags; never a line break.
@Suite struct RenderNtfyHeadersTests {
    func headers(_ m: AlertMessage) -> [String: String] {
        Dictionary(AlertNtfyHeaders.render(m).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
    }

    @Test func aCriticalFiringAlertIsUrgent() {
        #expect(headers(AlertMessageFixture.message()) ==
            ["Title": "FIRING critical: marb@prod/api health", "Priority": "5", "Tags": "rotating_light,firing"])
    }

    @Test(arguments: [(Severity.critical, "5"), (.warning, "4"), (.info, "3")])
    func priorityFollowsSeverity(_ severity: Severity, _ priority: String) {
        #expect(headers(AlertMessageFixture.message(.escalated, severity: severity))["Priority"] == priority)
    }

    @Test func goodNewsIsAtTheDefaultPriority() {
        #expect(headers(AlertMessageFixture.message(.resolved)) ==
            ["Title": "RESOLVED critical: marb@prod/api health", "Priority": "3", "Tags": "white_check_mark,resolved"])
        #expect(headers(AlertMessageFixture.message(.acknowledged))["Priority"] == "3")
    }

    @Test func aTitleThatIsNotASCIIIsEncodedAndOneLine() throws {
        let title = try #require(headers(AlertMessageFixture.message(subject: "café/prod\r\nX-Injected: 1"))["Title"])
        #expect(title == "=?UTF-8?B?RklSSU5HIGNyaXRpY2FsOiBjYWbDqS9wcm9kICBYLUluamVjdGVkOiAx?=")
        #expect(title.allSatisfy { $0.isASCII && !$0.isNewline })
    }
}
