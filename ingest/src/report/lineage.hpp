#pragma once

// The models' dependency graph drawn as SVG for the report: a layered layout (each node one
// column right of the furthest node it depends on), computed here, not by a chart library.
// Pure code: names in, SVG text out.

#include <cstddef>
#include <string>
#include <vector>

namespace tributary::internal {

/// A node of the lineage graph.
struct LineageNode {
  std::string name;     ///< shown in the box, e.g. `weekly_summary` or `public.user_events`
  bool source = false;  ///< a relation the models read but do not build
};

/// `from` is read by `to` (indices into the node list).
struct LineageEdge {
  std::size_t from = 0;
  std::size_t to = 0;
};

/// A node with its place: column `layer`, row `row` within it, and its box in pixels.
struct PlacedNode {
  LineageNode node;
  std::size_t layer = 0;
  std::size_t row = 0;
  int x = 0, y = 0, width = 0, height = 0;
};

/// The laid-out graph: nodes in input order, the edges as given, the picture's size.
struct LineageLayout {
  std::vector<PlacedNode> nodes;
  std::vector<LineageEdge> edges;
  int width = 0;
  int height = 0;
};

/// Places `nodes`: layer 0 for a node nothing points to, else one more than the largest
/// layer among the nodes pointing to it; within a layer, rows follow the mean row of the
/// nodes pointing in (then input order), so edges cross little. The edges must not form a
/// cycle (the manifest's loader refuses cycles); an edge naming no node is ignored.
LineageLayout lay_out_lineage(const std::vector<LineageNode>& nodes,
                              const std::vector<LineageEdge>& edges);

/// The layout as an `<svg>` element: a box per node (sources dashed), a curve with an arrow
/// per edge, each model box linking to `#model-NAME`. Names are HTML-escaped.
std::string lineage_svg(const LineageLayout& layout);

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by their character references.
std::string html_escape(const std::string& text);

}  // namespace tributary::internal
