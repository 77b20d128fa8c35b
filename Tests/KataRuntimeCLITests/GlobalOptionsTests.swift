import ArgumentParser
import KataCore
import Testing

@testable import KataRuntimeCLI

@Suite struct GlobalOptionsTests {
    @Test func parsesConfigAndLogLevel() throws {
        let command = try KataRuntimeCommand.parse(["--config", "/tmp/x.toml", "--log-level", "DEBUG"])
        #expect(command.global.config == "/tmp/x.toml")
        #expect(command.global.logLevel == .debug)
        #expect(!command.showDefaultConfigPaths)
    }

    @Test func defaultsAndBadLevel() throws {
        let command = try KataRuntimeCommand.parse(["--show-default-config-paths"])
        #expect(
            command.global.config == nil && command.global.logLevel == .warning
                && command.showDefaultConfigPaths)
        #expect(throws: (any Error).self) { try KataRuntimeCommand.parse(["--log-level", "loud"]) }
    }

    @Test func defaultPathsOnePerLineInLookupOrder() {
        #expect(
            KataRuntimeCommand.defaultConfigPathsText()
                == "/etc/kata-containers/configuration.toml\n/usr/share/defaults/kata-containers/configuration.toml\n"
        )
    }

    @Test func loadConfigurationUsesConfigOption() throws {
        let command = try KataRuntimeCommand.parse(["--config", "/nonexistent/kata.toml"])
        let error = #expect(throws: KataError.self) { try command.global.loadConfiguration() }
        #expect(error?.code == .notFound)
    }
}
