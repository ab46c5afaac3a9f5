internal import CPcap

extension LinkType {
    /// The libpcap DLT_ value for this LINKTYPE_ value, for `pcap_open_dead`.
    ///
    /// libpcap keeps two numberings: LINKTYPE_ (what files store) and DLT_ (what its API takes).
    /// They agree except below 104, where some DLT_ values differ between operating systems
    /// (libpcap pcap-common.c, `linktype_to_dlt`). Of the link types srtpdump reads, only raw IP
    /// (LINKTYPE_RAW 101 = DLT_RAW, 12 or 14) and OpenBSD loopback (LINKTYPE_LOOP 108 = DLT_LOOP)
    /// need mapping; passing 101 to `pcap_open_dead` would make `pcap_dump_open` refuse the type.
    var dlt: Int32 {
        switch self {
        case .raw: Int32(DLT_RAW)
        case .loop: Int32(DLT_LOOP)
        default: Int32(bitPattern: rawValue)
        }
    }
}
