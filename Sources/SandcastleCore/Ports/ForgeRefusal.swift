/// An error from the forge that says the forge refused the request itself (a 4xx such as 422
/// "body is too long"), so repeating it cannot succeed; `nil` for failures worth retrying
/// (throttling, server errors, no answer, credentials that may be renewed).
public protocol ForgeRefusal: Error {
    var permanentRefusal: String? { get }
}
