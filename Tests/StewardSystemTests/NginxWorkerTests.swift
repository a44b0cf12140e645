import Testing
@testable import StewardSystem

/// blue-green's switch waits for a worker of nginx's new configuration, and a resumed drain for the workers of the
/// old one: both are told by the title nginx gives its processes (their `/proc/PID/cmdline`).
@Suite struct NginxWorkerTests {
    @Test func nginxsProcessTitlesTellItsWorkers() {
        #expect(NginxWorker(pid: 7, title: "nginx: worker process\0\0\0") == NginxWorker(pid: 7, shuttingDown: false))
        #expect(NginxWorker(pid: 8, title: "nginx: worker process is shutting down\0") == NginxWorker(pid: 8, shuttingDown: true))
        #expect(NginxWorker(pid: 9, title: "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;") == nil)
        #expect(NginxWorker(pid: 10, title: "nginx: cache manager process") == nil)
        #expect(NginxWorker(pid: 11, title: "/usr/bin/python3\0-m\0gunicorn") == nil)
    }

    /// Only the host's nginx counts: workers whose parent is the master in /run/nginx.pid.
    @Test func aWorkersParentIsReadFromItsStat() {
        #expect(NginxWorker.parentPID(stat: "331 (nginx) S 328 328 328 0 -1 4194624 95 0 0 0") == 328)
        #expect(NginxWorker.parentPID(stat: "77 (a) b) c) R 12 77 77 0") == 12, "a process name with ) in it")
        #expect(NginxWorker.parentPID(stat: "garbage") == nil)
    }
}
