/*
 * libsrtp-baseline: the two C halves of the bench-500k benchmark (issue 6, Docs/PERFORMANCE.md).
 *
 *   libsrtp-baseline gen OUT.pcap PACKETS
 *       Writes a classic pcap (Ethernet, microseconds) of one SIP call: INVITE and 200 OK with SDES
 *       keys (RFC 4568), ACK, then PACKETS G.711 (PCMU, 160-byte payload, 20 ms) SRTP packets from the
 *       caller, AES_CM_128_HMAC_SHA1_80, one SSRC, sequence numbers from 65,000 (so the ROC rolls over
 *       after 536 packets and then every 65,536: 0 to 7 for 500,000 packets), protected by libsrtp;
 *       then BYE and its 200 OK. Written as it goes: memory stays flat whatever PACKETS is.
 *
 *   libsrtp-baseline unprotect IN.pcap
 *       The baseline: reads IN.pcap with libpcap and srtp_unprotect()s the UDP payload of every frame
 *       sent to the media port, with the caller's key, nothing else (no output). Prints the packets,
 *       how many authenticated, and the time spent (wall, user+sys CPU).
 *
 * The Ethernet/IPv4/UDP framing has a fixed layout here (14 + 20 + 8 bytes): that is what the baseline
 * may assume, as libsrtp's own rtp_decoder does; srtpdump has to parse it.
 */
#include <pcap/pcap.h>
#include <srtp2/srtp.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define CALLER_IP 0xC000020Au /* 192.0.2.10 */
#define CALLEE_IP 0xC6336414u /* 198.51.100.20 */
#define CALLER_MEDIA 40000
#define CALLEE_MEDIA 50000
#define SIP_PORT 5060
#define SSRC 0x5EC0B00Bu
#define FIRST_SEQ 65000
#define PAYLOAD 160
#define START_SECONDS 1700000000u

/* The caller's master key and salt (30 bytes), fixed so that runs are comparable. */
static void caller_key(uint8_t key[30]) {
    for (int i = 0; i < 30; i++) key[i] = (uint8_t)(0x11 * (i + 1) + 7);
}
/* The callee's (it sends no media here, but answers with a key of its own as a real callee does). */
static void callee_key(uint8_t key[30]) {
    for (int i = 0; i < 30; i++) key[i] = (uint8_t)(0x2D * (i + 3) + 1);
}

static void base64(const uint8_t *in, size_t n, char *out) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = 0;
}

static void die(const char *what) {
    fprintf(stderr, "libsrtp-baseline: %s\n", what);
    exit(2);
}

/* ---- gen ---- */

static FILE *out;

static void put16be(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static void put32be(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v; }

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s) {
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1) s += (uint32_t)p[n - 1] << 8;
    return s;
}
static uint16_t fold(uint32_t s) {
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

/* Writes one Ethernet/IPv4/UDP frame with both checksums (RFC 791, RFC 768) as a pcap record. */
static void write_udp(uint64_t usec, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                      const uint8_t *data, size_t n) {
    static uint16_t ident = 1;
    uint8_t f[65536];
    size_t len = 42 + n;
    if (len > sizeof f) die("datagram too large");
    static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
    memcpy(f, macs, 12);
    put16be(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45; ip[1] = 0xB8;
    put16be(ip + 2, (uint16_t)(20 + 8 + n));
    put16be(ip + 4, ident++);
    put16be(ip + 6, 0x4000);
    ip[8] = 64; ip[9] = 17;
    put16be(ip + 10, 0);
    put32be(ip + 12, src);
    put32be(ip + 16, dst);
    put16be(ip + 10, fold(sum16(ip, 20, 0)));
    uint8_t *udp = ip + 20;
    put16be(udp, sport);
    put16be(udp + 2, dport);
    put16be(udp + 4, (uint16_t)(8 + n));
    put16be(udp + 6, 0);
    memcpy(udp + 8, data, n);
    uint32_t pseudo = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + 17 + (uint32_t)(8 + n);
    uint16_t c = fold(sum16(udp, 8 + n, pseudo));
    put16be(udp + 6, c ? c : 0xFFFF);
    uint32_t rec[4] = {(uint32_t)(usec / 1000000), (uint32_t)(usec % 1000000), (uint32_t)len, (uint32_t)len};
    if (fwrite(rec, 4, 4, out) != 4 || fwrite(f, 1, len, out) != len) die("write failed");
}

static void write_sip(uint64_t usec, int from_caller, const char *text) {
    write_udp(usec, from_caller ? CALLER_IP : CALLEE_IP, SIP_PORT, from_caller ? CALLEE_IP : CALLER_IP, SIP_PORT,
              (const uint8_t *)text, strlen(text));
}

static void sip_message(char *buf, size_t cap, const char *start, const char *cseq, const char *to_tag,
                        const char *sdp) {
    snprintf(buf, cap,
             "%s\r\n"
             "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKbench500k%s\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:alice@example.com>;tag=a1b2c3\r\n"
             "To: <sip:bob@example.com>%s\r\n"
             "Call-ID: bench-500k@192.0.2.10\r\n"
             "CSeq: %s\r\n"
             "Contact: <sip:alice@192.0.2.10:5060>\r\n"
             "%s"
             "Content-Length: %zu\r\n"
             "\r\n%s",
             start, cseq, to_tag, cseq, sdp[0] ? "Content-Type: application/sdp\r\n" : "", strlen(sdp), sdp);
}

static void sdp_body(char *buf, size_t cap, const char *user, const char *ip, int port, const uint8_t key[30]) {
    char b64[48];
    base64(key, 30, b64);
    snprintf(buf, cap,
             "v=0\r\no=%s 1 1 IN IP4 %s\r\ns=bench-500k\r\nc=IN IP4 %s\r\nt=0 0\r\n"
             "m=audio %d RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"
             "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\na=sendrecv\r\n",
             user, ip, ip, port, b64);
}

static int gen(const char *path, long packets) {
    out = fopen(path, "wb");
    if (!out) die("cannot create the output file");
    static char buffer[1 << 20];
    setvbuf(out, buffer, _IOFBF, sizeof buffer);
    uint32_t header[6] = {0xA1B2C3D4u, 2 | 4u << 16, 0, 0, 65535, 1};
    if (fwrite(header, 4, 6, out) != 6) die("write failed");

    uint8_t ka[30], kb[30];
    caller_key(ka);
    callee_key(kb);
    char sdp[1024], msg[4096];
    uint64_t t0 = (uint64_t)START_SECONDS * 1000000;
    sdp_body(sdp, sizeof sdp, "alice", "192.0.2.10", CALLER_MEDIA, ka);
    sip_message(msg, sizeof msg, "INVITE sip:bob@example.com SIP/2.0", "1 INVITE", "", sdp);
    write_sip(t0, 1, msg);
    sdp_body(sdp, sizeof sdp, "bob", "198.51.100.20", CALLEE_MEDIA, kb);
    sip_message(msg, sizeof msg, "SIP/2.0 200 OK", "1 INVITE", ";tag=d4e5f6", sdp);
    write_sip(t0 + 500000, 0, msg);
    sip_message(msg, sizeof msg, "ACK sip:bob@198.51.100.20:5060 SIP/2.0", "1 ACK", ";tag=d4e5f6", "");
    write_sip(t0 + 510000, 1, msg);

    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    policy.ssrc.type = ssrc_specific;
    policy.ssrc.value = SSRC;
    policy.key = ka;
    policy.window_size = 128;
    srtp_t session;
    if (srtp_create(&session, &policy) != srtp_err_status_ok) die("srtp_create failed");

    uint8_t pkt[12 + PAYLOAD + SRTP_MAX_TRAILER_LEN];
    uint64_t t = t0 + 1000000;
    for (long i = 0; i < packets; i++, t += 20000) {
        uint16_t seq = (uint16_t)(FIRST_SEQ + i);
        pkt[0] = 0x80;
        pkt[1] = i == 0 ? 0x80 : 0x00; /* marker on the first packet, PT 0 (PCMU) */
        put16be(pkt + 2, seq);
        put32be(pkt + 4, (uint32_t)(160 * i + 12345));
        put32be(pkt + 8, SSRC);
        for (int k = 0; k < PAYLOAD; k++) pkt[12 + k] = (uint8_t)(0xFF ^ (i + k)); /* mu-law-ish bytes */
        int len = 12 + PAYLOAD;
        if (srtp_protect(session, pkt, &len) != srtp_err_status_ok) die("srtp_protect failed");
        write_udp(t, CALLER_IP, CALLER_MEDIA, CALLEE_IP, CALLEE_MEDIA, pkt, (size_t)len);
    }
    srtp_dealloc(session);

    sip_message(msg, sizeof msg, "BYE sip:bob@198.51.100.20:5060 SIP/2.0", "2 BYE", ";tag=d4e5f6", "");
    write_sip(t, 1, msg);
    sip_message(msg, sizeof msg, "SIP/2.0 200 OK", "2 BYE", ";tag=d4e5f6", "");
    write_sip(t + 30000, 0, msg);
    if (fclose(out) != 0) die("write failed");
    return 0;
}

/* ---- unprotect ---- */

static double now(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int unprotect(const char *path) {
    double wall0 = now(CLOCK_MONOTONIC), cpu0 = now(CLOCK_PROCESS_CPUTIME_ID);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p) die(err);
    if (pcap_datalink(p) != DLT_EN10MB) die("not an Ethernet capture");

    uint8_t key[30];
    caller_key(key);
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    policy.ssrc.type = ssrc_any_inbound;
    policy.key = key;
    policy.window_size = 128;
    srtp_t session;
    if (srtp_create(&session, &policy) != srtp_err_status_ok) die("srtp_create failed");

    struct pcap_pkthdr *h;
    const u_char *data;
    uint8_t work[2048];
    long frames = 0, packets = 0, ok = 0;
    int r;
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        frames++;
        /* IPv4 (no options) / UDP to the media port: the only layout gen writes for media. */
        if (h->caplen < 42 + 12 || data[12] != 0x08 || data[13] != 0x00 || data[14] != 0x45 || data[23] != 17) continue;
        if ((data[36] << 8 | data[37]) != CALLEE_MEDIA) continue;
        int len = (int)(h->caplen - 42);
        if (len > (int)sizeof work) continue;
        memcpy(work, data + 42, (size_t)len); /* srtp_unprotect works in place; libpcap's buffer is const */
        packets++;
        if (srtp_unprotect(session, work, &len) == srtp_err_status_ok) ok++;
    }
    if (r == -1) die(pcap_geterr(p));
    srtp_dealloc(session);
    pcap_close(p);
    double wall = now(CLOCK_MONOTONIC) - wall0, cpu = now(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("frames %ld packets %ld authenticated %ld wall %.3f cpu %.3f maxrss_kb %ld\n", frames, packets, ok, wall,
           cpu, ru.ru_maxrss);
    return ok == packets && packets > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (srtp_init() != srtp_err_status_ok) die("srtp_init failed");
    if (argc == 4 && strcmp(argv[1], "gen") == 0) return gen(argv[2], atol(argv[3]));
    if (argc == 3 && strcmp(argv[1], "unprotect") == 0) return unprotect(argv[2]);
    fprintf(stderr, "usage: libsrtp-baseline gen OUT.pcap PACKETS | libsrtp-baseline unprotect IN.pcap\n");
    return 2;
}
