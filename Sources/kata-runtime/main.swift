import KataRuntimeCLI

await KataRuntimeCommand.main()
