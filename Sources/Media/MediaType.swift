/// The kind of a media file, as the contract's `media_type` names it.
public enum MediaType: String, Sendable {
    case video
    case audio
    case image
}
