package dev.salient.autodiff;

import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Einsum, as attention layers export it ("bhid,bhjd->bhij", "bhij,bhjd->bhid", "...id,...jd->...ij").
 *
 * <p>A product summed over shared indices is linear in each operand: for y = einsum("A,B,…->Y"), the gradient of
 * operand A is einsum("Y,B,…->A")(dy, B, …). An index only A has (summed in A alone) cannot be an output of that
 * einsum; it is left out and dy's contribution broadcast back over it (Unsqueeze + Expand). Ellipses are spelled out
 * as letters from the shapes. Repeated indices within an operand (diagonals) and ellipsis broadcasting between
 * sizes 1 and n are refused with a clear error.
 */
final class EinsumRules {
    private EinsumRules() {}

    static void register(Map<String, GradientRule> table) {
        table.put("Einsum", EinsumRules::einsum);
    }

    private static void einsum(BackwardContext ctx) {
        String equation = ctx.stringAttr("equation", "").replace(" ", "");
        Spelled spelled = spell(ctx, equation);
        List<String> operands = spelled.operands();
        String output = spelled.output();
        Map<Character, Long> sizes = new HashMap<>();
        for (int k = 0; k < operands.size(); k++) {
            String subscripts = operands.get(k);
            long[] shape = ctx.shape(ctx.input(k));
            for (int i = 0; i < subscripts.length(); i++) {
                char c = subscripts.charAt(i);
                if (subscripts.indexOf(c) != i) {
                    throw ctx.unsupported("Einsum '" + equation + "' repeats index '" + c + "' in one operand");
                }
                Long previous = sizes.put(c, shape[i]);
                if (previous != null && previous != shape[i]) {
                    throw ctx.unsupported("Einsum '" + equation + "' broadcasts index '" + c + "' (" + previous
                            + " against " + shape[i] + ")");
                }
            }
        }
        GraphBuilder g = ctx.graph();
        for (int k = 0; k < operands.size(); k++) {
            if (!ctx.needsGradient(k)) {
                continue;
            }
            String target = operands.get(k);
            StringBuilder available = new StringBuilder(output);
            List<String> inputs = new ArrayList<>(List.of(ctx.dy()));
            List<String> terms = new ArrayList<>(List.of(output));
            for (int j = 0; j < operands.size(); j++) {
                if (j != k) {
                    inputs.add(ctx.input(j));
                    terms.add(operands.get(j));
                    available.append(operands.get(j));
                }
            }
            StringBuilder reached = new StringBuilder();
            List<Long> missing = new ArrayList<>();
            for (int i = 0; i < target.length(); i++) {
                if (available.indexOf(String.valueOf(target.charAt(i))) >= 0) {
                    reached.append(target.charAt(i));
                } else {
                    missing.add((long) i);
                }
            }
            String grad = g.op("Einsum", inputs, Attributes.ofString("equation",
                    String.join(",", terms) + "->" + reached));
            if (!missing.isEmpty()) {
                grad = g.op("Expand", g.unsqueeze(grad, missing.stream().mapToLong(Long::longValue).toArray()),
                        g.constInt64s(ctx.shape(ctx.input(k))));
            }
            ctx.addGradient(k, grad);
        }
    }

    /** The equation with its ellipses spelled out as letters, and its output made explicit. */
    private record Spelled(List<String> operands, String output) {}

    private static Spelled spell(BackwardContext ctx, String equation) {
        int arrow = equation.indexOf("->");
        String left = arrow < 0 ? equation : equation.substring(0, arrow);
        String[] terms = left.split(",", -1);
        if (terms.length != ctx.inputCount()) {
            throw ctx.unsupported("Einsum '" + equation + "' names " + terms.length + " operands for "
                    + ctx.inputCount() + " inputs");
        }
        TreeSet<Character> free = new TreeSet<>();
        for (char c = 'A'; c <= 'z'; c++) {
            if (Character.isLetter(c) && equation.indexOf(c) < 0) {
                free.add(c);
            }
        }
        int ellipsisRank = 0;
        for (int k = 0; k < terms.length; k++) {
            if (terms[k].contains("...")) {
                int explicit = terms[k].length() - 3;
                ellipsisRank = Math.max(ellipsisRank, ctx.shape(ctx.input(k)).length - explicit);
            }
        }
        StringBuilder block = new StringBuilder();
        for (int i = 0; i < ellipsisRank; i++) {
            block.append(free.pollFirst());
        }
        List<String> operands = new ArrayList<>();
        for (int k = 0; k < terms.length; k++) {
            String t = terms[k];
            if (t.contains("...")) {
                int dims = ctx.shape(ctx.input(k)).length - (t.length() - 3);
                t = t.replace("...", block.substring(block.length() - dims));
            }
            operands.add(t);
        }
        String output;
        if (arrow >= 0) {
            output = equation.substring(arrow + 2).replace("...", block);
        } else { // implicit: the ellipsis, then the indices that appear once, in alphabetical order
            Map<Character, Integer> counts = new HashMap<>();
            for (String t : terms) {
                for (char c : t.replace("...", "").toCharArray()) {
                    counts.merge(c, 1, Integer::sum);
                }
            }
            StringBuilder once = new StringBuilder(block);
            counts.entrySet().stream().filter(e -> e.getValue() == 1).map(Map.Entry::getKey).sorted()
                    .forEach(once::append);
            output = once.toString();
        }
        return new Spelled(operands, output);
    }
}
