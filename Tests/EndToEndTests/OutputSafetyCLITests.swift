import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `decrypt -w` as issue 7 asks, through the binary: it refuses to write onto its input by any other
/// name (symlink, hard link), and an interrupted run never leaves a half-written capture under the final
/// name (a file already there stays as it was); ^C also removes the temporary file.
@Suite struct OutputSafetyCLITests {
    static func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("safety-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        return dir
    }

    @Test("-w onto the input through a symlink or a hard link is refused; the input is unchanged")
    func refusesTheInputByAnotherName() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/evidence.pcap"
        try FileManager.default.copyItem(
            atPath: Paths.captures.appendingPathComponent("demo-call.pcap").path, toPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        try FileManager.default.createSymbolicLink(atPath: dir + "/symlink.pcap", withDestinationPath: input)
        try FileManager.default.linkItem(atPath: input, toPath: dir + "/hardlink.pcap")
        for target in ["symlink.pcap", "hardlink.pcap", "./evidence.pcap"] {
            let r = try srtpdump("decrypt", input, "-w", dir + "/" + target)
            #expect(r.status == 2, "\(target): \(r.status)")
            #expect(r.errorText.contains("refusing to write onto the input"), "\(target): \(r.errorText)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        // Nothing else was left in the directory (no temporary file).
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
                == ["evidence.pcap", "hardlink.pcap", "symlink.pcap"])
    }

    /// Starts `decrypt INPUT -w OUT`, waits until its temporary file beside OUT has grown (the pass is
    /// under way), sends `signal`, and returns the wait status and the directory's names after.
    ///
    /// Spawned with an empty signal mask and default dispositions, as a shell starts a command: the test
    /// runs on a thread that blocks signals, and a child inherits its spawner's mask.
    static func interrupt(with signal: Int32, dir: String, input: String, under wrapper: [String] = []) throws -> (
        status: Int32, names: [String]
    ) {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let command = wrapper + [Paths.srtpdump.path, "decrypt", input, "-w", dir + "/out.pcap"]
        let program = command[0]
        let arguments: [String] = command
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, program, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw TestFailure("posix_spawn \(program): \(rc)") }
        let deadline = Date().addingTimeInterval(120)
        var underWay = false
        var status: Int32 = 0
        var ended = false
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                ended = true
                break
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            if let t = names.first(where: { $0.hasPrefix(".out.pcap.tmp-") }),
                let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/" + t))?[.size] as? Int,
                size > 1 << 20
            {
                underWay = true
                break
            }
            usleep(5_000)
        }
        #expect(underWay, "the run ended (or never started writing) before it could be interrupted")
        if !ended {
            kill(pid, signal)
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
        return (status, try FileManager.default.contentsOfDirectory(atPath: dir).sorted())
    }

    @Test("an interrupted -w leaves the final name as it was; ^C and SIGTERM also remove the temporary file",
          arguments: [SIGINT, SIGTERM, SIGHUP, SIGKILL])
    func interruptedRun(signal: Int32) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in.pcap"
        try MalformedFlatMemoryTests.writeLargeCapture(input, megabytes: 60)
        let previous = Data("an earlier capture under the final name".utf8)
        try previous.write(to: URL(fileURLWithPath: dir + "/out.pcap"))
        let (status, names) = try Self.interrupt(with: signal, dir: dir, input: input)
        // Killed by the signal itself (the handler re-raises it after its clean-up), not exited: the wait
        // status holds the signal's number in its low 7 bits and no exit status.
        #expect(status & 0x7F == signal, "wait status \(status)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/out.pcap")) == previous)
        if signal == SIGKILL {
            // Cannot be caught: the temporary file stays, under its hidden name only.
            #expect(names.count == 3 && names.contains { $0.hasPrefix(".out.pcap.tmp-") }, "\(names)")
        } else {
            #expect(names == ["in.pcap", "out.pcap"])
        }
    }

    @Test("under nohup, SIGHUP stays ignored: the run finishes and renames its capture onto the final name")
    func hangupIgnoredUnderNohup() throws {
        let nohup = try #require(Paths.which("nohup"), "nohup (coreutils) is missing")
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in.pcap"
        try MalformedFlatMemoryTests.writeLargeCapture(input, megabytes: 60)
        let (status, names) = try Self.interrupt(with: SIGHUP, dir: dir, input: input, under: [nohup])
        #expect(status == 0, "wait status \(status)")
        #expect(names == ["in.pcap", "out.pcap"])
        let head = try #require(FileHandle(forReadingAtPath: dir + "/out.pcap")?.readData(ofLength: 4))
        #expect([UInt8](head) == [0xD4, 0xC3, 0xB2, 0xA1])
    }
}
