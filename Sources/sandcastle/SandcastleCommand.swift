import ArgumentParser
import Foundation
import SandcastleCore

/// `sandcastle`: pull-request preview environments on Kubernetes.
struct SandcastleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandcastle",
        abstract: "Pull-request preview environments on Kubernetes.",
        discussion: "Exit codes: 0 success, 1 invalid input (configuration, bundle, payloads), 2 usage.",
        subcommands: [
            ValidateCommand.self, RenderCommand.self, PlanCommand.self, ApplyCommand.self, TeardownCommand.self, GetCommand.self,
            DatabaseCommand.self,
            GitHubCommand.self, ClusterCommand.self, ArgoCDCommand.self, FluxCommand.self, RunCommand.self, DemoCommand.self,
        ]
    )
}

/// Input that cannot be used: exit code 1, with a message naming the file, field or object.
struct InvalidInput: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Options shared by commands that read the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: [.short, .customLong("config")], help: "Path of sandcastle.yaml.")
    var config: String

    func load() throws -> SandcastleConfig {
        do {
            return try ConfigLoader.load(path: config)
        } catch {
            throw InvalidInput(error.description)
        }
    }
}

@main
enum Main {
    static func main() async {
        do {
            var command = try SandcastleCommand.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as InvalidInput {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            exit(1)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch {
            if SandcastleCommand.exitCode(for: error) == .success {
                SandcastleCommand.exit(withError: error)
            }
            FileHandle.standardError.write(Data((SandcastleCommand.fullMessage(for: error) + "\n").utf8))
            exit(2)
        }
    }
}

extension RepositoryName: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
