import Foundation
import SandcastleCore
import SandcastleTestSupport
import Testing

/// `RepositoryList`: what is served now, what left, and the label index the watch asks.
@Suite struct RepositoryCatalogTests {
    static let blog = RepositoryName(owner: "Acme", name: "Blog")

    @Test func aReplacementIsFollowedByEveryQueryAndRemovedRepositoriesAreRetired() {
        let catalog = Make.catalog([Make.repository])
        let blogLabel = Ownership.repositoryLabelValue(Self.blog)
        #expect(catalog.repository(labeled: Ownership.repositoryLabelValue(Make.repository))?.name == Make.repository)
        #expect(catalog.repository(labeled: blogLabel) == nil)

        catalog.replace(with: Make.catalog([Make.repository, Self.blog]).all)
        #expect(catalog.repository(labeled: blogLabel)?.name == Self.blog)
        #expect(catalog.repository(RepositoryName(owner: "acme", name: "blog")) != nil, "names compare case-insensitively")

        catalog.replace(with: Make.catalog([Self.blog]).all)
        #expect(catalog.repository(Make.repository) == nil)
        #expect(catalog.repository(labeled: Ownership.repositoryLabelValue(Make.repository)) == nil)
        #expect(catalog.retired(Make.repository)?.name == Make.repository)
        #expect(catalog.retired(Self.blog) == nil, "served, so not retired")

        catalog.replace(with: Make.catalog([Make.repository, Self.blog]).all)
        #expect(catalog.retired(Make.repository) == nil, "served again")
    }
}
