import JumperCore

/// A model that puts images and text queries into one vector space, so a query's vector can
/// be compared with frame vectors by cosine similarity (a dot product, since both are unit
/// length).
public protocol VisualEmbeddingModel: AnyObject, Sendable {
    /// The key stored next to vectors so that vectors of different models are never compared.
    var modelKey: String { get }
    /// The length of every vector this model returns.
    var dimension: Int { get }
    /// Embeds upright RGB frames of any size and returns one L2-normalised vector per image,
    /// in input order. The media layer delivers frames whose shorter side is 256.
    func embedImages(_ images: [RGBImage]) throws -> [[Float]]
    /// Embeds a text query; returns an L2-normalised vector.
    func embedText(_ text: String) throws -> [Float]
}

/// One ImageNet class predicted for an image, with its probability.
public struct ImageLabel: Sendable, Equatable {
    /// The ImageNet-1k class index, 0 to 999.
    public let classIndex: Int
    /// The clean English class name, such as "tabby cat".
    public let name: String
    /// The softmax probability over all 1000 classes.
    public let probability: Float
}
