/*
 * The I/O floor of `decrypt -w`: read every record of a classic pcap through libpcap and write it
 * through libpcap's dump API, each packet 10 bytes shorter (as decrypt drops an 80-bit tag), touching
 * nothing else. No parsing, no crypto. What this costs per packet, any decrypt that reads and writes
 * pcap through libpcap costs at least; bench-500k.sh times it beside the bare crypto loop.
 *
 *   cc -O2 -o pcap-copy pcap-copy.c $(pkg-config --cflags --libs libpcap)
 *   pcap-copy IN.pcap OUT.pcap
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: pcap-copy IN.pcap OUT.pcap\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
    if (!in) {
        fprintf(stderr, "pcap-copy: %s\n", err);
        return 2;
    }
    FILE *file = fopen(argv[2], "wb");
    if (!file) {
        perror("pcap-copy");
        return 2;
    }
    /* The same 1 MiB stdio buffer srtpdump's pcap writer uses. */
    static char buffer[1 << 20];
    setvbuf(file, buffer, _IOFBF, sizeof buffer);
    pcap_dumper_t *out = pcap_dump_fopen(in, file);
    if (!out) {
        fprintf(stderr, "pcap-copy: %s\n", pcap_geterr(in));
        return 2;
    }
    struct pcap_pkthdr *header;
    const u_char *data;
    long packets = 0;
    int status;
    while ((status = pcap_next_ex(in, &header, &data)) == 1) {
        struct pcap_pkthdr shorter = *header;
        if (shorter.caplen > 100) {
            shorter.caplen -= 10;
            shorter.len -= 10;
        }
        pcap_dump((u_char *)out, &shorter, data);
        packets++;
    }
    pcap_dump_close(out);
    pcap_close(in);
    if (status == PCAP_ERROR) {
        fprintf(stderr, "pcap-copy: read error after %ld packets\n", packets);
        return 2;
    }
    printf("%ld packets\n", packets);
    return 0;
}
