import KataCore
import Testing

@Suite struct OnceValueTests {
    @Test func waitersBeforeAndAfterSeeTheFirstValue() async {
        let once = OnceValue<Int32>()
        #expect(once.current == nil)
        async let early = once.value()
        async let alsoEarly = once.value()
        try? await Task.sleep(for: .milliseconds(10))
        once.set(3)
        once.set(4)  // ignored: the first outcome is the outcome
        #expect(await early == 3)
        #expect(await alsoEarly == 3)
        #expect(await once.value() == 3)
        #expect(once.current == 3)
    }

    @Test func latchOpensOnce() async {
        let latch = Latch()
        async let waited: Void = latch.wait()
        latch.open()
        latch.open()
        await waited
        await latch.wait()
    }
}
