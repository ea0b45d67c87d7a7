import Testing

@testable import Inference

@Suite struct ActivationPoolTests {
    @Test func takeReturnsRequestedCount() {
        let pool = ActivationPool()
        #expect(pool.take(count: 10).count == 10)
        #expect(pool.take(count: 0).isEmpty)
    }

    @Test func recycledArrayIsReusedForSmallerRequest() {
        let pool = ActivationPool()
        var values = [Float](repeating: 1, count: 1000)
        let address = values.withUnsafeBufferPointer { $0.baseAddress }
        pool.recycle(&values)
        #expect(values.isEmpty)

        let reused = pool.take(count: 600)
        #expect(reused.count == 600)
        #expect(reused.withUnsafeBufferPointer { $0.baseAddress } == address)
    }

    @Test func smallestFittingArrayIsChosen() {
        let pool = ActivationPool()
        var large = [Float](repeating: 0, count: 5000)
        var small = [Float](repeating: 0, count: 800)
        let smallAddress = small.withUnsafeBufferPointer { $0.baseAddress }
        pool.recycle(&large)
        pool.recycle(&small)
        let taken = pool.take(count: 700)
        #expect(taken.withUnsafeBufferPointer { $0.baseAddress } == smallAddress)
        #expect(pool.take(count: 4000).capacity >= 5000)
    }
}
