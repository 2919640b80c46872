//! Choices for the registration form's 单位性质 and 单位证件类型.

/// 单位性质
pub const UNIT_NATURES: &[&str] = &[
    "行政单位",
    "事业单位",
    "国有企业",
    "集体企业",
    "民营企业",
    "外资企业",
    "社会团体",
    "民办非企业单位",
    "其他",
];

/// 单位证件类型
pub const UNIT_CERTIFICATE_TYPES: &[&str] = &[
    "统一社会信用代码证书",
    "营业执照",
    "事业单位法人证书",
    "社会团体法人登记证书",
    "民办非企业单位登记证书",
    "其他",
];

pub fn is_unit_nature(s: &str) -> bool {
    UNIT_NATURES.contains(&s)
}

pub fn is_unit_certificate_type(s: &str) -> bool {
    UNIT_CERTIFICATE_TYPES.contains(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_is_exact() {
        assert!(is_unit_nature("行政单位"));
        assert!(is_unit_nature("其他"));
        assert!(!is_unit_nature(" 行政单位"));
        assert!(!is_unit_nature(""));
        assert!(is_unit_certificate_type("统一社会信用代码证书"));
        assert!(!is_unit_certificate_type("行政单位"));
        assert_eq!(UNIT_NATURES.len(), 9);
        assert_eq!(UNIT_CERTIFICATE_TYPES.len(), 6);
    }
}
