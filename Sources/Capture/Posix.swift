#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Thin names for the POSIX calls the readers and writers make, so that methods called `close` or
// `write` on our own types never shadow them.

func posixClose(_ fd: Int32) -> Int32 { close(fd) }

func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }

/// The text of the current `errno`.
func errnoText() -> String { String(cString: strerror(errno)) }
