#!/usr/bin/env python3
# gen-many-calls.py K S P OUT.pcap (Docs/robustness.md, "Effort per packet with many keys"): a classic
# pcap of K SIP calls each offering an SDES key (its c=/m= address unused by the media), then P rounds
# of one RTP packet from each of S streams sent from addresses no SDP names (behind NAT), whose packets
# no key authenticates: every key is a trial candidate for every stream. Deterministic (seed 1).
#   python3 Benchmarks/many-calls/gen-many-calls.py 2000 50 200 /tmp/k2000.pcap
#   /usr/bin/time -v .build/release/srtpdump streams /tmp/k2000.pcap
import struct, random, base64, sys
K=int(sys.argv[1]); S=int(sys.argv[2]); P=int(sys.argv[3]); out=sys.argv[4]
random.seed(1)
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('>%dH'%(len(b)//2),b)); s=(s&0xffff)+(s>>16); s=(s&0xffff)+(s>>16); return (~s)&0xffff
def ip(src,dst,payload,proto=17):
    h=struct.pack('>BBHHHBBH4s4s',0x45,0,20+len(payload),0,0x4000,64,proto,0,bytes(src),bytes(dst))
    return h[:10]+struct.pack('>H',csum(h))+h[12:]+payload
def udp(src,dst,sp,dp,data):
    return ip(src,dst,struct.pack('>HHHH',sp,dp,8+len(data),0)+data)
eth=b'\x02\0\0\0\0\x02'+b'\x02\0\0\0\0\x01'+b'\x08\x00'
recs=[]; t=[1700000000,0]
def add(frame):
    t[1]+=1000
    if t[1]>=1000000: t[0]+=1; t[1]-=1000000
    recs.append(struct.pack('<IIII',t[0],t[1],len(frame),len(frame))+frame)
A=[192,0,2,10]; B=[198,51,100,20]
for i in range(K):
    key=base64.b64encode(bytes(random.getrandbits(8) for _ in range(30))).decode()
    port=10000+2*(i%20000)
    sdp=("v=0\r\no=- %d 1 IN IP4 10.%d.%d.1\r\ns=-\r\nc=IN IP4 10.%d.%d.1\r\nt=0 0\r\n"
         "m=audio %d RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n")%(i,i//250%250,i%250,i//250%250,i%250,port,key)
    msg=("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK%d\r\n"
         "From: <sip:a@example.com>;tag=%d\r\nTo: <sip:bob@example.com>\r\nCall-ID: call-%d@x\r\nCSeq: 1 INVITE\r\n"
         "Contact: <sip:a@192.0.2.10>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s")%(i,i,i,len(sdp),sdp)
    add(eth+udp(A,B,5060,5060,msg.encode()))
for p in range(P):
    for s in range(S):
        src=[203,0,113,1+s%200]; sp=30000+2*s
        rtp=struct.pack('>BBHII',0x80,0,(p+s*7)&0xffff,p*160,0x1000+s)+bytes(random.getrandbits(8) for _ in range(170))
        add(eth+udp(src,B,sp,40000,rtp))
with open(out,'wb') as f:
    f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,262144,1)); f.write(b''.join(recs))
print(len(recs),'frames')
