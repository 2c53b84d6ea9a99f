package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stage scheduler: the jobs bound, waits that give up their slot, and the first failure cancelling the rest. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StageSchedulerTest {
    @Test
    void aStageWaitingForAnotherGivesUpItsSlotSoOneJobNeverDeadlocks() throws Exception {
        int userFirst = 0;
        for (int round = 0; round < 20; round++) {
            StageScheduler s = new StageScheduler(1);
            List<String> log = new CopyOnWriteArrayList<>();
            // stage 1, started first, mostly takes the only slot, then needs stage 0's result
            s.add(1, -1, "user", () -> {
                log.add("user starts");
                s.await(0);
                log.add("user has the copy");
            });
            s.add(0, -1, "source", () -> log.add("source built"));
            s.start();
            s.finish();
            assertEquals(3, log.size(), log.toString());
            assertTrue(log.indexOf("source built") < log.indexOf("user has the copy"), log.toString());
            userFirst += log.get(0).equals("user starts") ? 1 : 0;
        }
        assertTrue(userFirst > 0, "in some round the waiting stage held the slot first");
    }

    @Test
    void aStageStartsAfterTheStageItBuildsOn() throws Exception {
        StageScheduler s = new StageScheduler(4);
        List<String> log = new CopyOnWriteArrayList<>();
        s.add(1, 0, "child", () -> log.add("child"));
        s.add(0, -1, "parent", () -> {
            Thread.sleep(200);
            log.add("parent");
        });
        s.start();
        s.finish();
        assertEquals(List.of("parent", "child"), log);
    }

    @Test
    void atMostJobsStagesWorkAtOnce() throws Exception {
        StageScheduler s = new StageScheduler(2);
        AtomicInteger now = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        for (int i = 0; i < 6; i++) {
            s.add(i, -1, "s" + i, () -> {
                max.accumulateAndGet(now.incrementAndGet(), Math::max);
                Thread.sleep(100);
                now.decrementAndGet();
            });
        }
        s.start();
        s.finish();
        assertEquals(2, max.get());
    }

    @Test
    void theFirstFailureCancelsTheOthersAndIsTheOneThrown() throws Exception {
        StageScheduler s = new StageScheduler(4);
        CountDownLatch blocking = new CountDownLatch(1);
        List<Throwable> seen = new CopyOnWriteArrayList<>();
        s.add(0, -1, "slow", () -> {
            try {
                s.interruptibly(() -> {
                    blocking.countDown();
                    Thread.sleep(60_000);
                    return null;
                });
            } catch (Exception e) {
                seen.add(e);
                throw e;
            }
        });
        s.add(1, -1, "fails", () -> {
            blocking.await();
            throw new BuildException("Dockerfile:3: RUN false: exit code: 1");
        });
        s.add(2, 1, "after", () -> seen.add(new AssertionError("a stage after the failed one ran")));
        s.start();
        long t0 = System.nanoTime();
        BuildException e = assertThrows(BuildException.class, s::finish);
        assertEquals("Dockerfile:3: RUN false: exit code: 1", e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "the sleeping stage was interrupted");
        assertEquals(1, seen.size(), seen.toString());
        assertTrue(seen.get(0) instanceof StageScheduler.Cancelled, seen.toString());
    }
}
