import Foundation

/// The `PreviewEnvironment` CustomResourceDefinition, as `deploy/crds/` installs it (a test keeps the
/// two equal). `sandcastle cluster check` compares the installed schema with it, and the fake API
/// server validates PreviewEnvironments against it as a real server would.
public enum PreviewEnvironmentDefinition {
    /// The CRD, as YAML.
    public static let yaml = #"""
        # One PreviewEnvironment per pull request. Cluster-scoped; it owns the preview's namespace through
        # an ownerReference, so deleting it deletes the preview.
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: previewenvironments.sandcastle.dev
          labels:
            app.kubernetes.io/name: sandcastle
        spec:
          group: sandcastle.dev
          scope: Cluster
          names:
            kind: PreviewEnvironment
            listKind: PreviewEnvironmentList
            plural: previewenvironments
            singular: previewenvironment
            shortNames: [preview]
          versions:
            - name: v1alpha1
              served: true
              storage: true
              subresources:
                status: {}
              additionalPrinterColumns:
                - {name: Repo, type: string, jsonPath: .spec.repository}
                - {name: PR, type: integer, jsonPath: .spec.pullRequest}
                - {name: Phase, type: string, jsonPath: .status.phase}
                - {name: Reason, type: string, jsonPath: .status.message}
                - {name: URL, type: string, jsonPath: .status.url}
                - {name: SHA, type: string, jsonPath: .spec.headSHA}
                - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
              schema:
                openAPIV3Schema:
                  type: object
                  required: [spec]
                  properties:
                    apiVersion: {type: string}
                    kind: {type: string}
                    metadata: {type: object}
                    spec:
                      type: object
                      required: [repository, pullRequest, headSHA, namespace]
                      properties:
                        repository: {type: string, description: "OWNER/NAME"}
                        pullRequest: {type: integer, minimum: 1}
                        headSHA: {type: string, pattern: "^[0-9a-f]{40}$"}
                        namespace: {type: string, maxLength: 63}
                        url: {type: string}
                    status:
                      type: object
                      properties:
                        phase:
                          type: string
                          enum: [Pending, Queued, Deploying, WaitingForImage, Ready, Failed, Terminating]
                        message:
                          description: Why the preview is in its phase, in words a developer acts on (from the cluster while it rolls out).
                          type: string
                          maxLength: 1024
                        url: {type: string}
                        headSHA: {type: string}
                        observedContentHash: {type: string}
                        hookJobs:
                          description: The seed and verify Jobs of headSHA, created in order once the preview is ready.
                          type: array
                          items: {type: string}
                        deployStartedAt:
                          description: When deploying headSHA began; the readiness timeout counts from here (a new push restarts it).
                          type: string
                          format: date-time
                        appliedAt:
                          description: When the last apply of headSHA completed.
                          type: string
                          format: date-time
                        applyFailure:
                          description: Why the last apply failed; cleared by the next successful apply.
                          type: string
                        teardownReason:
                          description: Set when the teardown began; the PreviewEnvironment is deleted once the namespace is gone and the receipt was posted.
                          type: string
                        reported:
                          description: What GitHub was last told, so a restarted controller finishes what was started.
                          type: object
                          required: [sha, summary]
                          properties:
                            sha: {type: string}
                            summary: {type: string}
                            at: {type: string, format: date-time}
                        reportingProblem:
                          description: Set when GitHub refused what Sandcastle reported (e.g. the sticky comment); not retried until it changes.
                          type: string
                        lastUpdateTime: {type: string, format: date-time}
                        observedGeneration:
                          description: The metadata.generation the phase and conditions were judged at.
                          type: integer
                          format: int64
                        conditions:
                          type: array
                          items:
                            type: object
                            required: [type, status]
                            properties:
                              type: {type: string, enum: [Applied, WorkloadsReady, Ready]}
                              status: {type: string, enum: ["True", "False", "Unknown"]}
                              reason: {type: string}
                              message: {type: string}
                              lastTransitionTime: {type: string, format: date-time}
                        workloads:
                          description: Readiness of each applied workload, e.g. Deployment/web.
                          type: object
                          additionalProperties: {type: string}
                        inventory:
                          type: array
                          items:
                            type: object
                            required: [apiVersion, kind, name]
                            properties:
                              group: {type: string}
                              apiVersion: {type: string}
                              kind: {type: string}
                              name: {type: string}
                              hash:
                                description: SHA-256 prefix of the object as applied; an unchanged object is not applied again.
                                type: string
                              generation:
                                description: metadata.generation right after the apply; a higher one means the spec was changed by hand (drift).
                                type: integer
                        engine:
                          description: The GitOps engine's objects Sandcastle applied (an Argo CD Application, Flux sources and a Kustomization or HelmRelease), outside the preview namespace.
                          type: array
                          items:
                            type: object
                            required: [apiVersion, kind, namespace, name]
                            properties:
                              apiVersion: {type: string}
                              kind: {type: string}
                              namespace: {type: string}
                              name: {type: string}
                              hash: {type: string}
                              generation: {type: integer}
                        namespaceConditions:
                          description: The namespace's own conditions while it stays Terminating.
                          type: array
                          items:
                            type: object
                            x-kubernetes-preserve-unknown-fields: true
        """#

    /// The CRD as an object, parsed once (the text is a constant checked by a test).
    public static let object: ManifestObject = (try? ManifestYAML.parseDocuments(yaml).first?.object) ?? ManifestObject()

    /// The `openAPIV3Schema` of the served version.
    public static var schema: ManifestObject {
        object.value(at: "spec.versions")?.array?.first?.object?["schema"]?.object?["openAPIV3Schema"]?.object ?? ManifestObject()
    }
}
