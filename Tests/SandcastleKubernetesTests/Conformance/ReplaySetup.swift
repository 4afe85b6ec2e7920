import Foundation
import SandcastleCore
import SandcastleTestSupport

/// What happened on the recorded cluster between exchanges without being recorded, done to the
/// fake before the exchange that first shows it: objects the recorder created (taken from the
/// corpus's own answers, without the server's fields), writes made while a watch was open, and
/// etcd's compaction.
enum ReplaySetup {
    static func before(_ exchange: RecordedExchange, corpus: [RecordedExchange], fake: FakeKubernetes) async throws {
        func answer(_ prefix: String) throws -> ManifestObject {
            guard let object = corpus.first(where: { $0.file.hasPrefix(prefix) })?.responseObject else {
                throw ReplaySetupError("the corpus has no answer \(prefix)")
            }
            return object
        }
        func namespace(_ name: String) async throws {
            try await fake.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
        }
        switch String(exchange.file.prefix(3)) {
        case "061":
            // A namespace with a tight quota (pods: 1, requests.storage: 1Gi).
            try await namespace("rec-quota")
            try await fake.seed(bare(try answer("061")))
        case "065":
            // A namespace held Terminating by a ConfigMap with a finalizer nobody removes.
            var held = bare(try answer("066"))
            held["status"] = nil
            held["spec"] = nil
            held.set(.null, at: "metadata.deletionTimestamp")
            held["metadata"] = .object(ManifestObject((held["metadata"]?.object?.pairs ?? []).filter { $0.value != .null }))
            try await fake.seed(held)
            try await fake.seed(bare(try answer("068")))
        case "070":
            // Four ConfigMaps labelled rec/page=yes, for the lists and their pages.
            for item in try answer("076")["items"]?.array ?? [] {
                guard var object = item.object else { continue }
                object["apiVersion"] = "v1"
                object["kind"] = "ConfigMap"
                try await fake.seed(bare(object))
            }
        case "077":
            // The shared cluster's other previews (an end-to-end run's), seen by cluster-wide lists.
            for item in try answer("077")["items"]?.array ?? [] {
                guard var object = item.object, let ns = object.value(at: "metadata.namespace")?.string, ns != "rec-main" else { continue }
                try await namespace(ns)
                object["apiVersion"] = "apps/v1"
                object["kind"] = "Deployment"
                try await fake.seed(bare(object))
            }
        case "085":
            // The other previews' namespaces carry Sandcastle's labels.
            for item in try answer("085")["items"]?.array ?? [] {
                guard var object = item.object, object.value(at: "metadata.name")?.string?.hasPrefix("e2e-") == true else { continue }
                object["apiVersion"] = "v1"
                object["kind"] = "Namespace"
                object["status"] = nil
                try await fake.seed(bare(object))
            }
        case "086":
            // By then the Deployment had rolled out and the seed Job had run.
            await fake.finishPendingWork()
        case "090":
            try await namespace("sandcastle-system")
        case "132":
            // Written while the watches of 132 and 137 were open: one ConfigMap added, changed, deleted.
            for value in ["1", "2"] {
                try await fake.seed([
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": [
                        "name": "watched", "namespace": "rec-main",
                        "labels": ["app.kubernetes.io/managed-by": "sandcastle", "sandcastle.dev/environment": "shop-pr-7"],
                    ],
                    "data": ["v": .string(value)],
                ])
            }
            await fake.deleteObject(ResourceRef(apiVersion: "v1", kind: "ConfigMap", namespace: "rec-main", name: "watched"))
        case "136":
            // etcd compacted at revision 1018 through its v3 gateway.
            await fake.compact()
        default:
            break
        }
    }

    /// `object` without what a server sets: uid, resourceVersion, timestamps, managedFields.
    static func bare(_ object: ManifestObject) -> ManifestObject {
        var object = object
        for field in ["uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"] { object.set(.null, at: "metadata.\(field)") }
        var metadata = object["metadata"]?.object ?? ManifestObject()
        metadata = ManifestObject(metadata.pairs.filter { $0.value != .null })
        object["metadata"] = .object(metadata)
        return object
    }
}

struct ReplaySetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
