import Foundation
import KataConfig
import KataCore
import Testing

@Suite struct DropInTests {
    @Test func fragmentsOverrideKeyByKeyInAlphabeticalOrder() throws {
        try withTemporaryDirectory { dir in
            let main = try write(
                minimalConfig + "default_vcpus = 1\ndefault_memory = 512\n[runtime]\nenable_debug = false\n",
                to: "configuration.toml", in: dir)
            // Written out of order on purpose: the loader must sort by name.
            try write("[hypervisor.qemu]\ndefault_vcpus = 3\n", to: "config.d/20-vcpus.toml", in: dir)
            try write(
                "[hypervisor.qemu]\ndefault_vcpus = 2\nmachine_type = \"pc\"\n", to: "config.d/10-base.toml",
                in: dir)
            try write("[runtime]\nenable_debug = true\n", to: "config.d/30-debug.toml", in: dir)
            try write("[hypervisor.qemu]\ndefault_vcpus = 9\n", to: "config.d/40-ignored.conf", in: dir)
            let loaded = try loadFile(main)
            #expect(
                loaded.dropIns
                    == ["10-base.toml", "20-vcpus.toml", "30-debug.toml"].map { "\(dir)/config.d/\($0)" })
            let qemu = loaded.configuration.hypervisor
            #expect(qemu.defaultVCPUs == 3)  // 20 overrides 10
            #expect(qemu.machineType == "pc")  // only 10 sets it
            #expect(qemu.defaultMemory == 512)  // untouched keys keep the main file's value
            #expect(loaded.configuration.runtime.enableDebug)
        }
    }

    @Test func missingOrEmptyConfigDIsFine() throws {
        try withTemporaryDirectory { dir in
            let main = try write(minimalConfig, to: "configuration.toml", in: dir)
            #expect(try loadFile(main).dropIns == [])
            try write("", to: "config.d/empty.toml", in: dir)
            let loaded = try loadFile(main)
            #expect(loaded.dropIns == ["\(dir)/config.d/empty.toml"])
            #expect(loaded.warnings == [])
        }
    }

    @Test func brokenFragmentIsAnErrorNamingIt() throws {
        try withTemporaryDirectory { dir in
            let main = try write(minimalConfig, to: "configuration.toml", in: dir)
            let fragment = try write("[hypervisor.qemu\n", to: "config.d/50-broken.toml", in: dir)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(main) }
            #expect(message.hasPrefix("\(fragment): line 1, column "))
        }
    }

    @Test func wrongTypeInFragmentNamesFragment() throws {
        try withTemporaryDirectory { dir in
            let main = try write(minimalConfig, to: "configuration.toml", in: dir)
            let fragment = try write("[agent.kata]\ndial_timeout = true\n", to: "config.d/x.toml", in: dir)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(main) }
            #expect(message == "\(fragment): agent.kata.dial_timeout: expected integer, found boolean")
        }
    }

    @Test func unreadableFragmentIsAnError() throws {
        try withTemporaryDirectory { dir in
            let main = try write(minimalConfig, to: "configuration.toml", in: dir)
            // A dangling symlink cannot be opened, even by root (who ignores file modes).
            let fragment = "\(dir)/config.d/60-dangling.toml"
            try write("", to: "config.d/keep.toml", in: dir)
            #expect(symlink("\(dir)/nowhere.toml", fragment) == 0)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(main) }
            #expect(message.hasPrefix("\(fragment): cannot open: "))
        }
    }

    @Test func fragmentWarningsNameTheFragment() throws {
        try withTemporaryDirectory { dir in
            let main = try write(minimalConfig, to: "configuration.toml", in: dir)
            let fragment = try write("[runtime]\nmystery = 1\n", to: "config.d/a.toml", in: dir)
            #expect(try loadFile(main).warnings == [ConfigWarning(file: fragment, key: "runtime.mystery")])
        }
    }

    @Test func crossKeyErrorsAfterDropInsNameTheDirectory() throws {
        try withTemporaryDirectory { dir in
            let main = try write(minimalConfig, to: "configuration.toml", in: dir)
            try write("[hypervisor.qemu]\nimage = \"/x.img\"\n", to: "config.d/a.toml", in: dir)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(main) }
            #expect(message.hasPrefix("\(main) with \(dir)/config.d/*.toml: hypervisor.qemu: both image"))
        }
    }
}
