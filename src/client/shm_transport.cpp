#include "client/shm_transport.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <insitu/errors.h>

#include <atomic>
#include <cstring>
#include <mutex>

#include "client/connection.h"
#include "core/proc_stat.h"
#include "core/text.h"

namespace insitu::client {

// One server's arena mapped into this process, shared by every connection to that server (a
// reconnection finds its pages still mapped: no page faults again).
class ShmMapping {
  public:
    ShmMapping(char* base, std::size_t size, std::size_t data_offset, pid_t pid,
               unsigned long long start, ino_t inode)
        : base(base), size(size), data_offset(data_offset), pid(pid), start(start), inode(inode) {}
    ~ShmMapping() { munmap(base, size); }
    ShmMapping(const ShmMapping&) = delete;
    ShmMapping& operator=(const ShmMapping&) = delete;

    const std::uint64_t* tag_slot(std::size_t offset) const {
        return reinterpret_cast<const std::uint64_t*>(base) + (offset - data_offset) / 4096;
    }
    bool holds(std::size_t offset, std::size_t n) const {
        return offset >= data_offset && offset % 4096 == 0 && offset <= size && n <= size - offset;
    }

    char* const base;
    const std::size_t size;
    const std::size_t data_offset;
    const pid_t pid;
    const unsigned long long start;
    const ino_t inode;
};

namespace {

struct Hello {
    bool enabled = false;
    std::string reason;
    long long pid = 0, start_time = 0, fd = -1, inode = 0, size = 0, data_offset = 0;
};

Hello parse_hello(const Reply& r) {
    Hello h;
    if (r.type != Reply::Type::array || r.elements.size() % 2 != 0) {
        h.reason = "unexpected AI._SHM reply";
        return h;
    }
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
        const std::string& k = r.elements[i].str;
        const Reply& v = r.elements[i + 1];
        if (k == "reason") h.reason = v.str;
        if (v.type != Reply::Type::integer) continue;
        if (k == "enabled") h.enabled = v.integer != 0;
        if (k == "pid") h.pid = v.integer;
        if (k == "start_time") h.start_time = v.integer;
        if (k == "fd") h.fd = v.integer;
        if (k == "inode") h.inode = v.integer;
        if (k == "size") h.size = v.integer;
        if (k == "data_offset") h.data_offset = v.integer;
    }
    return h;
}

std::mutex g_mu;
std::vector<std::shared_ptr<ShmMapping>> g_mappings;

// The arena the server described, if this process can map it; `why` says why not.
std::shared_ptr<ShmMapping> attach(const Hello& h, std::string& why) {
    if (h.pid <= 0 || h.fd < 0 || h.size <= 0 || h.data_offset <= 0 || h.data_offset >= h.size) {
        why = "incomplete AI._SHM reply";
        return nullptr;
    }
    auto pid = static_cast<pid_t>(h.pid);
    auto start = core::process_start_ticks(pid);
    // Same pid and start time: that process is the server, seen from this host's /proc.
    if (!start || static_cast<long long>(*start) != h.start_time) {
        why = "the server is not a process of this host";
        return nullptr;
    }
    std::lock_guard lock(g_mu);
    for (auto it = g_mappings.begin(); it != g_mappings.end();) {
        const auto& m = *it;
        if (m->pid == pid && m->start == *start && static_cast<long long>(m->inode) == h.inode)
            return m;
        // Mappings of servers that are gone: unmapped, so their memory goes back.
        auto s = core::process_start_ticks(m->pid);
        it = (!s || *s != m->start) ? g_mappings.erase(it) : it + 1;
    }
    std::string path = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(h.fd);
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        why = "cannot open the server's arena (" + path + "): " + std::strerror(errno);
        return nullptr;
    }
    struct stat st {};
    bool same =
        fstat(fd, &st) == 0 && static_cast<long long>(st.st_ino) == h.inode && st.st_size == h.size;
    void* p = same ? mmap(nullptr, static_cast<std::size_t>(h.size), PROT_READ | PROT_WRITE,
                          MAP_SHARED, fd, 0)
                   : MAP_FAILED;
    int err = errno;
    ::close(fd);
    if (!same) {
        why = "the server's arena is not the file the server described";
        return nullptr;
    }
    if (p == MAP_FAILED) {
        why = std::string("cannot map the server's arena: ") + std::strerror(err);
        return nullptr;
    }
    auto m = std::make_shared<ShmMapping>(static_cast<char*>(p), static_cast<std::size_t>(h.size),
                                          static_cast<std::size_t>(h.data_offset), pid, *start,
                                          static_cast<ino_t>(h.inode));
    g_mappings.push_back(m);
    return m;
}

void turn_off(ShmLink& l, std::string why) {
    l.state = ShmLink::State::off;
    l.mapping.reset();
    l.off_reason = std::move(why);
}

}  // namespace

bool shm_active(Connection& c) {
    ShmLink& l = c.shm();
    if (l.state != ShmLink::State::unknown) return l.state == ShmLink::State::on;
    if (!c.shm_policy().enabled) {
        turn_off(l, "SR_SHM=0");
        return false;
    }
    Reply r;
    try {
        r = c.command({"AI._SHM"});
    } catch (const AuthError&) {  // an ACL without the command: the socket path for this user
        c.reply_done();
        turn_off(l, "AI._SHM is not permitted");
        return false;
    }
    if (r.is_error()) {  // a RedisAI server, or insitu before the path existed
        turn_off(l, r.str);
        return false;
    }
    Hello h = parse_hello(r);
    if (!h.enabled) {
        turn_off(l, h.reason);
        return false;
    }
    std::string why;
    l.mapping = attach(h, why);
    if (!l.mapping) {
        turn_off(l, why);
        return false;
    }
    l.state = ShmLink::State::on;
    return true;
}

namespace {

// [offset, size, tag] from an AI._SHMALLOC reply, checked against the arena.
struct Block {
    std::size_t offset = 0, size = 0;
    std::uint64_t tag = 0;
};
Block parse_block(const Connection& c, const ShmMapping& m, const Reply& a, std::size_t n) {
    if (a.type != Reply::Type::array || a.elements.size() != 3 ||
        a.elements[0].type != Reply::Type::integer || a.elements[1].type != Reply::Type::integer ||
        a.elements[2].type != Reply::Type::integer)
        throw DatabaseException("unexpected AI._SHMALLOC reply from " + c.address().to_string());
    Block b{static_cast<std::size_t>(a.elements[0].integer),
            static_cast<std::size_t>(a.elements[1].integer),
            static_cast<std::uint64_t>(a.elements[2].integer)};
    if (b.size < n || !m.holds(b.offset, b.size))
        throw DatabaseException("AI._SHMALLOC from " + c.address().to_string() +
                                " gave a block outside its arena");
    return b;
}

// Up to this size the next put's block is asked for with this put's commit (one round trip per
// put instead of two); a bigger spare would hold much memory for a round trip that its copy
// dwarfs anyway.
constexpr std::size_t k_spare_max = std::size_t{4} << 20;

}  // namespace

bool shm_put(Connection& c, std::string_view key, TensorType type,
             const std::vector<std::size_t>& dims, std::string_view blob, Reply& reply) {
    const std::size_t n = blob.size();
    if (n < c.shm_policy().min_bytes || type == TensorType::String || n == 0) return false;
    if (!shm_active(c)) return false;
    ShmLink& l = c.shm();
    Block b;
    // The spare block asked for by the previous put fits when it is not much bigger either.
    if (l.has_spare && l.spare_size >= n && l.spare_size <= 2 * n) {
        b = {l.spare_offset, l.spare_size, l.spare_tag};
        l.has_spare = false;
    } else {
        l.has_spare = false;  // the server frees it with this allocation (one per client)
        Reply a;
        try {
            a = c.command({"AI._SHMALLOC", std::to_string(n)});
        } catch (const AuthError&) {
            c.reply_done();
            turn_off(l, "AI._SHMALLOC is not permitted");
            return false;
        }
        if (a.is_error()) {
            // Off since the negotiation (maxmemory set meanwhile): the socket from now on. A full
            // arena or a tensor over proto-max-bulk-len: this tensor only.
            if (a.str.find("path is off") != std::string::npos) turn_off(l, a.str);
            return false;
        }
        b = parse_block(c, *l.mapping, a, n);
    }
    std::memcpy(l.mapping->base + b.offset, blob.data(), n);
    resp::CommandWriter set(6 + dims.size());
    set.add("AI.TENSORSET");
    set.add(key);
    set.add(wire_name(type));
    for (auto d : dims) set.add_number(static_cast<long long>(d));
    set.add("SHM");
    set.add_number(static_cast<long long>(b.offset));
    set.add_number(static_cast<long long>(b.tag));
    // Refused because the path went off (maxmemory set since): nothing was stored.
    auto went_off = [&](const Reply& r) {
        if (!r.is_error() || r.str.find("shared-memory path is off") == std::string::npos)
            return false;
        turn_off(l, r.str);
        return true;
    };
    if (n > k_spare_max) {
        c.send(set);
        reply = c.read_reply();
        return !went_off(reply);
    }
    resp::CommandWriter next(2);
    next.add("AI._SHMALLOC");
    next.add_number(static_cast<long long>(n));
    c.send(std::vector<const resp::CommandWriter*>{&set, &next});
    reply = c.read_reply();  // both replies are read before either is acted on
    Reply a = c.read_reply();
    if (went_off(reply)) return false;
    if (!a.is_error()) {
        Block spare = parse_block(c, *l.mapping, a, n);
        l.has_spare = true;
        l.spare_offset = spare.offset;
        l.spare_size = spare.size;
        l.spare_tag = spare.tag;
    }
    return true;
}

void shm_begin_read(Connection& c, std::size_t offset, std::size_t size, std::uint64_t tag) {
    ShmLink& l = c.shm();
    if (!l.mapping || !l.mapping->holds(offset, size))
        throw DatabaseException("AI.TENSORGET from " + c.address().to_string() +
                                " named a shared-memory block outside its arena");
    l.read_pending = true;
    l.read_offset = offset;
    l.read_size = size;
    l.read_tag = tag;
}

bool shm_finish_read(Connection& c, void* dst) {
    ShmLink& l = c.shm();
    if (!l.read_pending) return false;
    l.read_pending = false;
    if (!dst) return true;
    // No reference is held on the block: the tag, written only by the server, changes when the
    // block is freed, so a copy that saw the same tag before and after is the tensor's bytes.
    const std::uint64_t* slot = l.mapping->tag_slot(l.read_offset);
    bool ok = __atomic_load_n(slot, __ATOMIC_ACQUIRE) == l.read_tag;
    if (ok) {
        std::memcpy(dst, l.mapping->base + l.read_offset, l.read_size);
        std::atomic_thread_fence(std::memory_order_acquire);
        ok = __atomic_load_n(slot, __ATOMIC_RELAXED) == l.read_tag;
    }
    if (!ok) {
        c.reply_done();  // the reply was read whole: the connection stays in step
        throw TransientError("the shared-memory tensor at " + c.address().to_string() +
                             " was replaced while it was read");
    }
    return true;
}

}  // namespace insitu::client
