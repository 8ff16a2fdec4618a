//! `--invoke` for core functions: a WAVE-style call expression
//! (`fib(30)`, `f(1.5, nan, -inf)`, `g(i32x4(1, 2, 3, 4))`) parsed against
//! the function's parameter types, and results printed one per line.

use cmref_interp::{AnyRef, AnyRefKind, ExternRef, FuncType, Val, ValType};

/// A parsed call: the export name and the argument texts, not yet typed.
#[derive(Debug, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    pub args: Vec<String>,
}

/// Splits `name(args...)` into the name (unquoted) and the text from the
/// opening parenthesis on.
pub fn split_call(text: &str) -> Result<(&str, &str), String> {
    let text = text.trim();
    let open = text
        .find('(')
        .ok_or_else(|| format!("expected `name(args...)`, got `{text}`"))?;
    let name = text[..open].trim();
    let name = name
        .strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or(name);
    if name.is_empty() {
        return Err(format!("missing function name in `{text}`"));
    }
    Ok((name, &text[open..]))
}

/// Splits `name(arg, arg, ...)` into the name and top-level argument texts.
pub fn parse_call(text: &str) -> Result<Call, String> {
    let text = text.trim();
    let (name, rest) = split_call(text)?;
    if !text.ends_with(')') {
        return Err(format!("missing `)` at the end of `{text}`"));
    }
    let inner = &rest[1..rest.len() - 1];
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("unbalanced `)` in `{text}`"));
                }
            }
            ',' if depth == 0 => {
                args.push(inner[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(format!("unbalanced `(` in `{text}`"));
    }
    let last = inner[start..].trim();
    if !last.is_empty() || !args.is_empty() {
        args.push(last.to_string());
    }
    Ok(Call {
        name: name.to_string(),
        args,
    })
}

/// Types the arguments of a call by the function's parameters.
pub fn typed_args(call: &Call, ty: &FuncType) -> Result<Vec<Val>, String> {
    if call.args.len() != ty.params().len() {
        return Err(format!(
            "`{}` takes {} argument(s) {}, got {}",
            call.name,
            ty.params().len(),
            ty,
            call.args.len()
        ));
    }
    call.args
        .iter()
        .zip(ty.params())
        .enumerate()
        .map(|(i, (a, t))| parse_val(a, *t).map_err(|e| format!("argument {}: {e}", i + 1)))
        .collect()
}

fn parse_int(text: &str, bits: u32) -> Result<u64, String> {
    let t = text.replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let magnitude = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        u64::from_str_radix(hex, 16)
    } else {
        digits.parse::<u64>()
    }
    .map_err(|_| format!("`{text}` is not an integer"))?;
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let signed_min = 1u64 << (bits - 1);
    if neg {
        if magnitude > signed_min {
            return Err(format!("`{text}` is out of range for i{bits}"));
        }
        Ok(magnitude.wrapping_neg() & max)
    } else if magnitude > max {
        Err(format!("`{text}` is out of range for i{bits}"))
    } else {
        Ok(magnitude)
    }
}

/// Parses a float: decimal or hex literals, `inf`, `-inf`, `nan`, `nan:0xPAYLOAD`.
fn parse_float(text: &str, bits: u32) -> Result<u64, String> {
    let t = text.replace('_', "");
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let sign = if neg { 1u64 << (bits - 1) } else { 0 };
    let (exp_mask, quiet) = if bits == 32 {
        (0x7f80_0000u64, 0x0040_0000u64)
    } else {
        (0x7ff0_0000_0000_0000, 0x0008_0000_0000_0000)
    };
    let magnitude = match body {
        "inf" | "infinity" => exp_mask,
        "nan" => exp_mask | quiet,
        _ if body.starts_with("nan:0x") => {
            let payload = u64::from_str_radix(&body[6..], 16)
                .map_err(|_| format!("`{text}` is not a NaN payload"))?;
            if payload == 0 || payload & !(quiet | (quiet - 1)) != 0 {
                return Err(format!("`{text}`: payload out of range"));
            }
            exp_mask | payload
        }
        _ if body.starts_with("0x") || body.starts_with("0X") => {
            let v =
                parse_hex_float(&body[2..]).ok_or_else(|| format!("`{text}` is not a float"))?;
            if bits == 32 {
                (v as f32).to_bits() as u64
            } else {
                v.to_bits()
            }
        }
        _ => {
            if bits == 32 {
                body.parse::<f32>()
                    .map_err(|_| format!("`{text}` is not a float"))?
                    .to_bits() as u64
            } else {
                body.parse::<f64>()
                    .map_err(|_| format!("`{text}` is not a float"))?
                    .to_bits()
            }
        }
    };
    Ok(sign | magnitude)
}

/// `HEX[.HEX][pEXP]` (after `0x`) as an f64; exact for every f32.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mantissa, exp) = match s.split_once(['p', 'P']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int.chars() {
        value = value * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        value += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(value * 2f64.powi(exp))
}

fn parse_v128(text: &str) -> Result<u128, String> {
    let open = text
        .find('(')
        .filter(|_| text.ends_with(')'))
        .ok_or_else(|| format!("`{text}` is not a v128 literal like `i32x4(1, 2, 3, 4)`"))?;
    let shape = text[..open].trim();
    let lanes: Vec<&str> = text[open + 1..text.len() - 1]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let (count, bits, float) = match shape {
        "i8x16" => (16, 8, false),
        "i16x8" => (8, 16, false),
        "i32x4" => (4, 32, false),
        "i64x2" => (2, 64, false),
        "f32x4" => (4, 32, true),
        "f64x2" => (2, 64, true),
        other => return Err(format!("unknown v128 shape `{other}`")),
    };
    if lanes.len() != count {
        return Err(format!("{shape} needs {count} lanes, got {}", lanes.len()));
    }
    let mut v = 0u128;
    for (i, lane) in lanes.iter().enumerate() {
        let bits_of = if float {
            parse_float(lane, bits)?
        } else {
            parse_int(lane, bits)?
        };
        v |= (bits_of as u128) << (i as u32 * bits);
    }
    Ok(v)
}

/// Parses one argument as a value of type `ty`.
pub fn parse_val(text: &str, ty: ValType) -> Result<Val, String> {
    Ok(match ty {
        ValType::I32 => Val::I32(parse_int(text, 32)? as u32 as i32),
        ValType::I64 => Val::I64(parse_int(text, 64)? as i64),
        ValType::F32 => Val::F32(parse_float(text, 32)? as u32),
        ValType::F64 => Val::F64(parse_float(text, 64)?),
        ValType::V128 => Val::V128(parse_v128(text)?),
        ValType::Ref(_) if text == "null" => Val::default_for(ty),
        ValType::Ref(r) if r.heap_type() == cmref_interp::HeapType::EXTERN => {
            let n = text
                .strip_prefix("extern(")
                .and_then(|t| t.strip_suffix(')'))
                .ok_or_else(|| format!("`{text}` is not `null` or `extern(N)`"))?;
            Val::ExternRef(Some(ExternRef::host(parse_int(n, 32)? as u32)))
        }
        ValType::Ref(_) => {
            let arg = |prefix: &str| text.strip_prefix(prefix).and_then(|t| t.strip_suffix(')'));
            if let Some(n) = arg("i31(") {
                Val::AnyRef(Some(AnyRef::i31(parse_int(n, 32)? as u32 as i32)))
            } else if let Some(n) = arg("host(") {
                Val::AnyRef(Some(AnyRef::host(parse_int(n, 32)? as u32)))
            } else {
                return Err(format!(
                    "cannot pass `{text}` as {ty}: only `null`, `i31(N)` or `host(N)`"
                ));
            }
        }
    })
}

fn format_f32(bits: u32) -> String {
    let f = f32::from_bits(bits);
    if f.is_nan() {
        let payload = bits & 0x007f_ffff;
        let sign = if bits >> 31 == 1 { "-" } else { "" };
        if payload == 0x0040_0000 {
            format!("{sign}nan")
        } else {
            format!("{sign}nan:0x{payload:x}")
        }
    } else if f.is_infinite() {
        if f < 0.0 { "-inf".into() } else { "inf".into() }
    } else {
        format!("{f:?}")
    }
}

fn format_f64(bits: u64) -> String {
    let f = f64::from_bits(bits);
    if f.is_nan() {
        let payload = bits & 0x000f_ffff_ffff_ffff;
        let sign = if bits >> 63 == 1 { "-" } else { "" };
        if payload == 0x0008_0000_0000_0000 {
            format!("{sign}nan")
        } else {
            format!("{sign}nan:0x{payload:x}")
        }
    } else if f.is_infinite() {
        if f < 0.0 { "-inf".into() } else { "inf".into() }
    } else {
        format!("{f:?}")
    }
}

/// Formats a result the way it would be written as an argument.
pub fn format_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => format_f32(*b),
        Val::F64(b) => format_f64(*b),
        Val::V128(x) => {
            let lanes: Vec<String> = (0..4)
                .map(|i| ((*x >> (32 * i)) as u32 as i32).to_string())
                .collect();
            format!("i32x4({})", lanes.join(", "))
        }
        Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
            "null".into()
        }
        Val::FuncRef(Some(_)) => "func".into(),
        Val::ExternRef(Some(e)) => match e.host_id() {
            Some(n) => format!("extern({n})"),
            None => format!("extern({})", format_any(&e.to_any())),
        },
        Val::AnyRef(Some(a)) => format_any(a),
        Val::ExnRef(Some(_)) => "exn".into(),
    }
}

fn format_any(a: &AnyRef) -> String {
    match a.kind() {
        AnyRefKind::I31 => format!("i31({})", a.i31_get_s().unwrap_or_default()),
        AnyRefKind::Host => format!("host({})", a.host_id().unwrap_or_default()),
        AnyRefKind::Struct => "struct".into(),
        AnyRefKind::Array => "array".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_split_at_top_level_commas() {
        assert_eq!(
            parse_call(" f(1, i32x4(1, 2, 3, 4), -inf) ").unwrap(),
            Call {
                name: "f".into(),
                args: vec!["1".into(), "i32x4(1, 2, 3, 4)".into(), "-inf".into()]
            }
        );
        assert_eq!(parse_call("g()").unwrap().args, Vec::<String>::new());
        assert_eq!(parse_call("\"a b\"(1)").unwrap().name, "a b");
        assert!(parse_call("nope").is_err());
        assert!(parse_call("f(1").is_err());
        assert!(parse_call("f(1))").is_err());
    }

    #[test]
    fn integers_wrap_only_within_their_width() {
        assert_eq!(parse_val("-1", ValType::I32).unwrap(), Val::I32(-1));
        assert_eq!(parse_val("4294967295", ValType::I32).unwrap(), Val::I32(-1));
        assert_eq!(
            parse_val("0x7fff_ffff", ValType::I32).unwrap(),
            Val::I32(i32::MAX)
        );
        assert!(parse_val("4294967296", ValType::I32).is_err());
        assert!(parse_val("-2147483649", ValType::I32).is_err());
        assert_eq!(
            parse_val("-9223372036854775808", ValType::I64).unwrap(),
            Val::I64(i64::MIN)
        );
    }

    #[test]
    fn floats_round_trip_through_text() {
        for (text, ty) in [
            ("1.5", ValType::F32),
            ("-0.0", ValType::F64),
            ("nan", ValType::F32),
            ("-nan:0x1", ValType::F64),
            ("inf", ValType::F64),
            ("-inf", ValType::F32),
        ] {
            let v = parse_val(text, ty).unwrap();
            assert_eq!(format_val(&v), text, "{text}");
        }
        assert_eq!(parse_val("0x1.8p1", ValType::F64).unwrap(), Val::f64(3.0));
        assert!(parse_val("nan:0x0", ValType::F32).is_err());
    }

    #[test]
    fn v128_lanes() {
        let v = parse_val("i32x4(1, -1, 3, 4)", ValType::V128).unwrap();
        assert_eq!(format_val(&v), "i32x4(1, -1, 3, 4)");
        let f = parse_val("f32x4(1, 2, 3, nan)", ValType::V128).unwrap();
        assert_eq!(f, Val::V128(0x7fc00000_40400000_40000000_3f800000));
        assert!(parse_val("i32x4(1, 2)", ValType::V128).is_err());
    }
}
