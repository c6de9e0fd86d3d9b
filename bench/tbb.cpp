// bench/tbb.cpp — the overhead graph on oneTBB's flow graph, for `make bench-reference`
//
// Issue 17 asks for dusk's threads scheduler side by side with a native runtime on the
// same graph, in the same run: this is oneTBB 2021's flow graph (Debian's libtbb-dev)
// running bench/overhead_graph.h's shape, 100,000 `inc` tasks and the binary tree of
// `add` tasks summing them (an odd element carried up by an `identity`), 200,006 tasks
// in all. Each task is a continue_node whose body computes its value into an array,
// as a dusk task returns one; the graph is built once and run REPS times (a run only
// puts a message into each leaf and waits: continue_nodes reset their counts
// themselves), on WORKERS threads, and the best run is printed as
//     reference.tbb.flow_graph: N ns/task
// beside dusk's `overhead.threads.nolistener` (the Makefile alternates the two), and
// the same with oneTBB's lightweight policy (see overhead_graph) as
//     reference.tbb.flow_graph.lightweight: N ns/task
// The sum is checked, so a wrong graph cannot print a figure.
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/version.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace {

constexpr std::size_t kLeaves = 100000;
constexpr std::size_t kTasks = 200006;
constexpr std::int64_t kSum = INT64_C(5000050000);
constexpr int kReps = 5;
constexpr int kWorkers = 2;

using msg = oneapi::tbb::flow::continue_msg;

// Policy: queueing (the default: every node a task of the scheduler) or
// lightweight (a node runs at once on the thread that completed its last
// input, as dusk's worker runs next the task it made ready; the leaves then
// run on the thread that puts their messages).
template <typename Policy> struct overhead_graph {
    using node = oneapi::tbb::flow::continue_node<msg, Policy>;
    oneapi::tbb::flow::graph g;
    std::vector<std::unique_ptr<node>> nodes;
    std::vector<std::int64_t> val;   // one result per task, as a run stores them
    std::size_t root = 0;

    overhead_graph() : val(kTasks, 0)
    {
        nodes.reserve(kTasks);
        std::vector<std::size_t> level;
        for (std::size_t i = 0; i < kLeaves; i++) {
            std::size_t id = nodes.size();
            nodes.push_back(std::make_unique<node>(
                g, [this, id, i](const msg &) { val[id] = (std::int64_t)i + 1; }));
            level.push_back(id);
        }
        while (level.size() > 1) {
            std::vector<std::size_t> next;
            for (std::size_t j = 0; j + 1 < level.size(); j += 2) {
                std::size_t a = level[j], b = level[j + 1], id = nodes.size();
                nodes.push_back(std::make_unique<node>(
                    g, [this, id, a, b](const msg &) { val[id] = val[a] + val[b]; }));
                oneapi::tbb::flow::make_edge(*nodes[a], *nodes[id]);
                oneapi::tbb::flow::make_edge(*nodes[b], *nodes[id]);
                next.push_back(id);
            }
            if (level.size() % 2) {
                std::size_t a = level.back(), id = nodes.size();
                nodes.push_back(
                    std::make_unique<node>(g, [this, id, a](const msg &) { val[id] = val[a]; }));
                oneapi::tbb::flow::make_edge(*nodes[a], *nodes[id]);
                next.push_back(id);
            }
            level.swap(next);
        }
        root = level[0];
    }

    // One run: every leaf gets its message, then the graph drains. The
    // results are cleared first (untimed), so each run's sum is its own.
    std::uint64_t run()
    {
        std::fill(val.begin(), val.end(), 0);
        auto t0 = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < kLeaves; i++)
            nodes[i]->try_put(msg());
        g.wait_for_all();
        auto t1 = std::chrono::steady_clock::now();
        return (std::uint64_t)std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0)
            .count();
    }
};

}  // namespace

template <typename Policy> static int measure(const char *name)
{
    overhead_graph<Policy> og;
    if (og.nodes.size() != kTasks) {
        std::fprintf(stderr, "bench/tbb: %zu tasks, expected %zu\n", og.nodes.size(), kTasks);
        return 1;
    }
    std::uint64_t best = UINT64_MAX;
    for (int r = 0; r < kReps; r++) {
        std::uint64_t ns = og.run();
        if (og.val[og.root] != kSum) {
            std::fprintf(stderr, "bench/tbb: the sum is %" PRId64 ", expected %" PRId64 "\n",
                         og.val[og.root], kSum);
            return 1;
        }
        if (ns < best)
            best = ns;
    }
    std::printf("%s: %.0f ns/task (oneTBB %d.%d, %d threads, best of %d)\n", name,
                (double)best / (double)kTasks, TBB_VERSION_MAJOR, TBB_VERSION_MINOR, kWorkers,
                kReps);
    std::fflush(stdout);
    return 0;
}

int main()
{
    oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                      kWorkers);
    if (measure<oneapi::tbb::flow::queueing>("reference.tbb.flow_graph") != 0)
        return 1;
    return measure<oneapi::tbb::flow::lightweight>("reference.tbb.flow_graph.lightweight");
}
