// The lineage graph's layered layout and its SVG: pure code.
#include "report/lineage.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tributary::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// user_events -> user_daily_events -> {daily, weekly_a, weekly_b}; weekly_b -> top.
std::vector<LineageNode> shipped_like_nodes() {
  return {{"public.user_events", true}, {"user_daily_events", false}, {"daily", false},
          {"weekly_a", false},          {"weekly_b", false},          {"top", false}};
}
std::vector<LineageEdge> shipped_like_edges() {
  return {{0, 1}, {1, 2}, {1, 3}, {1, 4}, {4, 5}, {3, 5}};
}

TEST(LineageLayout, PutsEachNodeOneLayerRightOfItsFurthestDependency) {
  const auto layout = lay_out_lineage(shipped_like_nodes(), shipped_like_edges());
  ASSERT_EQ(layout.nodes.size(), 6u);
  EXPECT_EQ(layout.nodes[0].layer, 0u);
  EXPECT_EQ(layout.nodes[1].layer, 1u);
  EXPECT_EQ(layout.nodes[2].layer, 2u);
  EXPECT_EQ(layout.nodes[3].layer, 2u);
  EXPECT_EQ(layout.nodes[4].layer, 2u);
  EXPECT_EQ(layout.nodes[5].layer, 3u);
  // Within a layer the rows are distinct and boxes do not overlap.
  EXPECT_EQ(layout.nodes[2].row, 0u);
  EXPECT_EQ(layout.nodes[3].row, 1u);
  EXPECT_EQ(layout.nodes[4].row, 2u);
  EXPECT_LT(layout.nodes[2].y + layout.nodes[2].height, layout.nodes[3].y);
  // Columns left to right, and everything inside the picture.
  EXPECT_LT(layout.nodes[0].x + layout.nodes[0].width, layout.nodes[1].x);
  EXPECT_LT(layout.nodes[1].x + layout.nodes[1].width, layout.nodes[2].x);
  for (const auto& n : layout.nodes) {
    EXPECT_LE(n.x + n.width, layout.width) << n.node.name;
    EXPECT_LE(n.y + n.height, layout.height) << n.node.name;
  }
}

TEST(LineageLayout, LongestPathDecidesTheLayerNotTheShortest) {
  // a -> b -> c and a -> c: c is two layers right of a.
  const auto layout =
      lay_out_lineage({{"a", false}, {"b", false}, {"c", false}}, {{0, 1}, {1, 2}, {0, 2}});
  EXPECT_EQ(layout.nodes[2].layer, 2u);
}

TEST(LineageLayout, OrdersALayerByTheRowsOfWhatPointsIn) {
  // Two roots; the child of the second root is listed first but placed below the other.
  const auto layout = lay_out_lineage(
      {{"root_a", false}, {"root_b", false}, {"child_of_b", false}, {"child_of_a", false}},
      {{1, 2}, {0, 3}});
  EXPECT_EQ(layout.nodes[3].row, 0u);
  EXPECT_EQ(layout.nodes[2].row, 1u);
}

TEST(LineageLayout, IgnoresEdgesNamingNoNodeAndSurvivesACycle) {
  const auto layout = lay_out_lineage({{"a", false}, {"b", false}}, {{0, 7}, {0, 1}, {1, 0}});
  EXPECT_EQ(layout.edges.size(), 2u);
  EXPECT_EQ(layout.nodes.size(), 2u);
}

TEST(LineageLayout, AnEmptyGraphIsAnEmptyPicture) {
  const auto layout = lay_out_lineage({}, {});
  EXPECT_TRUE(layout.nodes.empty());
  EXPECT_GT(layout.width, 0);
  EXPECT_THAT(lineage_svg(layout), HasSubstr("<svg"));
}

TEST(LineageSvg, DrawsABoxPerNodeAnArrowPerEdgeAndLinksModelsToTheirDocs) {
  const auto svg = lineage_svg(lay_out_lineage(shipped_like_nodes(), shipped_like_edges()));
  std::size_t boxes = 0;
  for (auto at = svg.find("<rect"); at != std::string::npos; at = svg.find("<rect", at + 1))
    ++boxes;
  std::size_t edges = 0;
  for (auto at = svg.find("class=\"edge\""); at != std::string::npos;
       at = svg.find("class=\"edge\"", at + 1))
    ++edges;
  EXPECT_EQ(boxes, 6u);
  EXPECT_EQ(edges, 6u);
  EXPECT_THAT(svg, HasSubstr("<a href=\"#model-weekly_b\">"));
  EXPECT_THAT(svg, Not(HasSubstr("#model-public.user_events")));
  EXPECT_THAT(svg, HasSubstr("stroke-dasharray"));  // the source is dashed
}

TEST(LineageSvg, EscapesNames) {
  const auto svg = lineage_svg(lay_out_lineage({{"<b>&\"x'", false}}, {}));
  EXPECT_THAT(svg, HasSubstr("&lt;b&gt;&amp;&quot;x&#39;"));
  EXPECT_THAT(svg, Not(HasSubstr("<b>")));
}

}  // namespace
}  // namespace tributary::internal
