import AgentVMSupport

// `make bench-agent`: prints boot and container start figures (see AgentBenchmark).
await AgentBenchmark.run()
