import KataRuntimeCLI

await KataRuntimeCommand.runAsRoot()
