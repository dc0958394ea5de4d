//! `MM_<SECTION>_<KEY>` (and `MM_<KEY>` for top-level keys) environment overrides.

/// An override whose value does not fit the key's type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {variable}={value:?}: expected {expected}")]
pub struct EnvOverrideError {
    /// The variable.
    pub variable: String,
    /// Its value.
    pub value: String,
    /// The type the key needs.
    pub expected: &'static str,
}

/// Variables that start with `MM_` but are not config keys.
const NOT_CONFIG_KEYS: [&str; 2] = ["MM_CONFIG", "MM_NODE_RESTARTS"];

/// Applies each `MM_*` variable in `env` that names a key of `defaults` to `table`, parsed to
/// the type the default has. Variables naming no key are ignored.
pub(crate) fn apply_env_overrides(
    table: &mut toml::Table,
    defaults: &toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(), EnvOverrideError> {
    for (variable, value) in env {
        let Some(rest) = variable.strip_prefix("MM_") else {
            continue;
        };
        if NOT_CONFIG_KEYS.contains(&variable.as_str()) {
            continue;
        }
        let Some((section, key, default)) = find_key(defaults, &rest.to_ascii_lowercase()) else {
            continue;
        };
        let parsed = parse_like(default, &value).ok_or_else(|| EnvOverrideError {
            variable: variable.clone(),
            value: value.clone(),
            expected: type_name(default),
        })?;
        let target = match section {
            None => &mut *table,
            Some(section) => {
                let entry = table
                    .entry(section.to_owned())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                match entry {
                    toml::Value::Table(inner) => inner,
                    // The file put a non-table here; let deserialisation report it.
                    _ => continue,
                }
            }
        };
        target.insert(key.to_owned(), parsed);
    }
    Ok(())
}

/// Finds the key `name` (lower-case, `section_key` or `key`) among the defaults.
fn find_key<'a>(
    defaults: &'a toml::Table,
    name: &str,
) -> Option<(Option<&'a str>, &'a str, &'a toml::Value)> {
    if let Some((key, value)) = defaults.get_key_value(name) {
        if !value.is_table() {
            return Some((None, key.as_str(), value));
        }
    }
    defaults.iter().find_map(|(section, value)| {
        let inner = value.as_table()?;
        let key = name.strip_prefix(section.as_str())?.strip_prefix('_')?;
        let (key, default) = inner.get_key_value(key)?;
        Some((Some(section.as_str()), key.as_str(), default))
    })
}

fn parse_like(default: &toml::Value, text: &str) -> Option<toml::Value> {
    let text = text.trim();
    Some(match default {
        toml::Value::String(_) => toml::Value::String(text.to_owned()),
        toml::Value::Integer(_) => toml::Value::Integer(text.parse().ok()?),
        toml::Value::Float(_) => toml::Value::Float(text.parse().ok()?),
        toml::Value::Boolean(_) => toml::Value::Boolean(match text {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => return None,
        }),
        toml::Value::Array(_) => toml::Value::Array(
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| toml::Value::String(item.to_owned()))
                .collect(),
        ),
        toml::Value::Datetime(_) | toml::Value::Table(_) => return None,
    })
}

fn type_name(default: &toml::Value) -> &'static str {
    match default {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Array(_) => "a comma-separated list",
        toml::Value::Datetime(_) | toml::Value::Table(_) => "a supported value",
    }
}
