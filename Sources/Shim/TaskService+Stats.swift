import Protocols
import SwiftProtobuf

extension TaskService {
    /// The container's cgroup statistics from the guest, as containerd's cgroup v2 metrics.
    func stats(_ request: Containerd_Task_V2_StatsRequest) async throws -> Containerd_Task_V2_StatsResponse {
        let stats = try await manager(request.id).stats(containerID: request.id)
        var metrics = Io_Containerd_Cgroups_V2_Metrics()
        metrics.pids.current = stats.pidsCurrent
        metrics.pids.limit = stats.pidsLimit
        metrics.cpu.usageUsec = stats.cpuUsageNanos / 1000
        metrics.cpu.userUsec = stats.cpuUserNanos / 1000
        metrics.cpu.systemUsec = stats.cpuSystemNanos / 1000
        metrics.memory.usage = stats.memoryUsage
        metrics.memory.usageLimit = stats.memoryLimit
        var any = Google_Protobuf_Any()
        any.typeURL = Io_Containerd_Cgroups_V2_Metrics.protoMessageName
        any.value = try metrics.serializedData()
        var response = Containerd_Task_V2_StatsResponse()
        response.stats = any
        return response
    }
}
