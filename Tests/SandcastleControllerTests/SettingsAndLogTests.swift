import Foundation
import Logging
import SandcastleController
import SandcastleCore
import SandcastleTestSupport
import Testing

@Suite("Controller settings and logs")
struct SettingsAndLogTests {
    static func config(_ controller: String) throws(ConfigError) -> SandcastleConfig {
        try ConfigLoader.parse(
            """
            apiVersion: sandcastle.dev/v1alpha1
            kind: SandcastleConfig
            controller:
            \(controller)
            repositories:
              - name: acme/shop
            """, file: "c.yaml")
    }

    @Test func defaultsAndOverrides() throws {
        let defaults = try ConfigLoader.parse(
            "apiVersion: sandcastle.dev/v1alpha1\nkind: SandcastleConfig\nrepositories: [{name: acme/shop}]\n", file: "d.yaml")
        #expect(defaults.controller == ControllerSettings())
        #expect(defaults.controller.resyncInterval.seconds == 60)
        #expect(defaults.sink.isDefault)
        let custom = try Self.config("  listen: 127.0.0.1:9000\n  resyncInterval: 30s\n  workers: 8\n  logFormat: json")
        #expect(custom.controller.listenAddress.host == "127.0.0.1")
        #expect(custom.controller.listenAddress.port == 9000)
        #expect(custom.controller.resyncInterval.seconds == 30)
        #expect(custom.controller.workers == 8)
        #expect(custom.controller.logFormat == .json)
    }

    @Test(arguments: [
        ("  listen: everywhere", "controller.listen", "is not HOST:PORT"),
        ("  workers: 0", "controller.workers", "expected a number from 1 to 64"),
        ("  resyncInterval: soon", "controller.resyncInterval", "is not a duration"),
        ("  logFormat: xml", "controller.logFormat", "logfmt"),
        ("  workDirectory: relative/dir", "controller.workDirectory", "absolute path"),
        ("  resync: 1m", "controller.resync", "resyncInterval"),
    ])
    func badValuesAreNamed(yaml: String, path: String, message: String) {
        do {
            _ = try Self.config(yaml)
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(error.issues.contains { $0.file == "c.yaml" && $0.path == path && $0.message.contains(message) }, "\(error.description)")
        }
    }

    @Test func logLinesAreStructuredAndEscaped() {
        let lines = LockedValue([String]())
        for format in [ControllerSettings.LogFormat.logfmt, .json] {
            var logger = Logger(label: "sandcastle") { label in
                StructuredLogHandler(label: label, format: format) { line in lines.withLock { $0.append(line) } }
            }
            logger[metadataKey: "repository"] = "acme/shop"
            logger.info("reconciled \"twice\"", metadata: ["pr": "42", "delivery": "abc-123"])
        }
        let (logfmt, json) = lines.withLock { ($0[0], $0[1]) }
        #expect(logfmt.contains(#"level=info logger=sandcastle msg="reconciled \"twice\"" delivery=abc-123 pr=42 repository=acme/shop"#))
        let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]
        #expect(object?["msg"] == #"reconciled "twice""#)
        #expect(object?["repository"] == "acme/shop")
        #expect(object?["pr"] == "42")
        #expect(object?["delivery"] == "abc-123")
    }
}
