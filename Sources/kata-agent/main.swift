import KataAgentService

// The guest agent: PID 1 of the guest's initramfs (see KataAgentProgram).
await KataAgentProgram.run()
