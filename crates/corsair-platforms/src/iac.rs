//! CloudFormation YAML and Terraform HCL for the AWS renderers, laid out as
//! `terraform fmt` and the CloudFormation documentation's examples lay them
//! out, every value escaped for its language.

use std::fmt::Write as _;

use crate::escape::{dq, hcl};

/// `key:` and its list under `indent`, one `- "item"` per line (`key: []`
/// when empty). YAML double-quoted scalars take JSON's escapes.
pub(crate) fn yaml_list(out: &mut String, indent: &str, key: &str, items: &[String]) {
    if items.is_empty() {
        let _ = writeln!(out, "{indent}{key}: []");
        return;
    }
    let _ = writeln!(out, "{indent}{key}:");
    for item in items {
        let _ = writeln!(out, "{indent}  - {}", dq(item));
    }
}

/// An HCL list of strings on one line: `["a", "b"]`.
pub(crate) fn hcl_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| hcl(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Consecutive HCL attributes under `indent`, their `=` aligned as
/// `terraform fmt` aligns a group of one-line attributes.
pub(crate) fn hcl_attributes(out: &mut String, indent: &str, attributes: &[(&str, String)]) {
    let width = attributes.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in attributes {
        let _ = writeln!(out, "{indent}{key:<width$} = {value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_lists() {
        let mut out = String::new();
        yaml_list(&mut out, "  ", "Items", &["a\"b".into(), "c".into()]);
        yaml_list(&mut out, "  ", "Empty", &[]);
        assert_eq!(
            out,
            "  Items:\n    - \"a\\\"b\"\n    - \"c\"\n  Empty: []\n"
        );
    }

    #[test]
    fn hcl_attributes_are_aligned() {
        let mut out = String::new();
        hcl_attributes(
            &mut out,
            "  ",
            &[("name", hcl_list(&["a".into()])), ("max_age", "600".into())],
        );
        assert_eq!(out, "  name    = [\"a\"]\n  max_age = 600\n");
    }
}
