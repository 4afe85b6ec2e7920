import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// `Time` and `MicroTime` as the API server writes and parses them.
@Suite struct KubernetesTimeTests {
    static let instant = Date(timeIntervalSince1970: 1_796_068_543.123456)  // 2026-11-30T19:55:43.123456Z

    @Test func microTimeHasExactlySixFractionalDigitsAndTimeNone() throws {
        #expect(KubernetesMicroTime.string(Self.instant) == "2026-11-30T19:55:43.123456Z")
        #expect(KubernetesMicroTime.string(Date(timeIntervalSince1970: 1_796_068_543)) == "2026-11-30T19:55:43.000000Z")
        #expect(KubernetesTime.string(Self.instant) == "2026-11-30T19:55:43Z")
        let parsed = try KubernetesMicroTime.parse("2026-11-30T19:55:43.123456Z")
        #expect(abs(parsed.timeIntervalSince(Self.instant)) < 0.000_01)
        #expect(try KubernetesTime.parse("2026-11-30T19:55:43Z") == Date(timeIntervalSince1970: 1_796_068_543))
    }

    @Test func everyMicroTimeWeWriteParsesBack() throws {
        for offset in stride(from: 0.0, to: 2.0, by: 0.013_7) {
            let date = Self.instant.addingTimeInterval(offset)
            let text = KubernetesMicroTime.string(date)
            #expect(text.count == 27, "\(text)")
            #expect(abs(try KubernetesMicroTime.parse(text).timeIntervalSince(date)) < 0.000_002)
        }
    }

    /// The message a real API server (v1.32) answered for a Lease written with milliseconds.
    @Test func theMillisecondFormIsRefusedWithTheRealServersMessage() throws {
        let recorded = try ManifestValue.parseJSON(try Fixtures.data("kubernetes/status-400-lease-microtime-milliseconds.json")).object!
        let message = try #require(recorded["message"]?.string)
        #expect(throws: GoTimeParseError.self) { try KubernetesMicroTime.parse("2026-11-30T19:55:43.123Z") }
        do {
            _ = try KubernetesMicroTime.parse("2026-11-30T19:55:43.123Z")
        } catch {
            #expect(message.hasSuffix(": " + error.description), "\(error.description)")
        }
    }

    @Test(arguments: [
        ("2026-11-30T19:55:43Z", #"parsing time "2026-11-30T19:55:43Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000""#),
        (
            "2026-11-30T19:55:43.1234567Z",
            #"parsing time "2026-11-30T19:55:43.1234567Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "7Z" as "Z07:00""#
        ),
        (
            "2026-11-30 19:55:43.123456Z",
            #"parsing time "2026-11-30 19:55:43.123456Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse " 19:55:43.123456Z" as "T""#
        ),
        ("2026-13-30T19:55:43.123456Z", #"parsing time "2026-13-30T19:55:43.123456Z": month out of range"#),
        ("2026-02-30T19:55:43.123456Z", #"parsing time "2026-02-30T19:55:43.123456Z": day out of range"#),
        ("yesterday", #"parsing time "yesterday" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "yesterday" as "2006""#),
    ])
    func badMicroTimesNameTheElement(text: String, message: String) {
        #expect(throws: GoTimeParseError(description: message)) { try KubernetesMicroTime.parse(text) }
    }

    @Test func timeAcceptsFractionsAndOffsetsAndRefusesTheRest() throws {
        #expect(try KubernetesTime.parse("2026-11-30T19:55:43.5Z") == Date(timeIntervalSince1970: 1_796_068_543.5))
        #expect(try KubernetesTime.parse("2026-11-30T20:55:43+01:00") == Date(timeIntervalSince1970: 1_796_068_543))
        #expect(
            throws: GoTimeParseError(description: #"parsing time "2026-11-30T19:55:43" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00""#)
        ) {
            try KubernetesTime.parse("2026-11-30T19:55:43")
        }
        #expect(throws: GoTimeParseError(description: #"parsing time "2026-11-30T19:55:43Zjunk": extra text: "junk""#)) {
            try KubernetesTime.parse("2026-11-30T19:55:43Zjunk")
        }
    }

    @Test func theEmbeddedCRDIsTheOneDeployInstalls() throws {
        let root = repositoryRoot(from: #filePath)
        let text = try String(contentsOfFile: root + "/deploy/crds/previewenvironments.sandcastle.dev.yaml", encoding: .utf8)
        let deployed = try ManifestYAML.parseDocuments(text)
        #expect(deployed.count == 1)
        #expect(deployed.first?.object == PreviewEnvironmentDefinition.object)
        #expect(PreviewEnvironmentDefinition.schema["type"]?.string == "object")
    }
}
