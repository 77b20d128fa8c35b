import KataCore
import Protocols
import SwiftProtobuf
import TTRPC

extension TaskService {
    /// The 17 methods of `containerd.task.v2.Task`, each handed to the actor.
    public nonisolated func services() -> TTRPCServices {
        typealias M = Containerd_Task_V2_TaskMethods
        let empty = Google_Protobuf_Empty()
        var s = TTRPCServices()
        s.register(M.create) { request, _ in try await self.create(request) }
        s.register(M.start) { request, _ in try await self.start(request) }
        s.register(M.delete) { request, _ in try await self.delete(request) }
        s.register(M.exec) { request, _ in
            try await self.exec(request)
            return empty
        }
        s.register(M.state) { request, _ in try await self.state(request) }
        s.register(M.kill) { request, _ in
            try await self.kill(request)
            return empty
        }
        s.register(M.wait) { request, _ in try await self.wait(request) }
        s.register(M.pids) { request, _ in try await self.pids(request) }
        s.register(M.pause) { request, _ in
            try await self.pause(request)
            return empty
        }
        s.register(M.resume) { request, _ in
            try await self.resume(request)
            return empty
        }
        s.register(M.closeIO) { request, _ in
            try await self.closeIO(request)
            return empty
        }
        s.register(M.resizePty) { request, _ in
            try await self.resizePty(request)
            return empty
        }
        s.register(M.update) { request, _ in
            try await self.update(request)
            return empty
        }
        s.register(M.stats) { request, _ in try await self.stats(request) }
        s.register(M.connect) { request, _ in try await self.connect(request) }
        s.register(M.shutdown) { request, _ in
            await self.shutdown(request)
            return empty
        }
        s.register(M.checkpoint) {
            (_: Containerd_Task_V2_CheckpointTaskRequest, _) -> Google_Protobuf_Empty in
            throw KataError(.notImplemented, "checkpoint is not implemented by the kata runtime")
        }
        return s
    }
}
