import ArgumentParser
import SRTPDump

@main
struct SRTPDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "srtpdump",
        abstract: "Analyze and decrypt secure VoIP media (SRTP, SRTCP, SSRTP, MS-RTPME) in packet captures.",
        version: srtpdumpVersion,
        subcommands: []
    )
}
