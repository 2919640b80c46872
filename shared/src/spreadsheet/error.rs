//! File-level refusals: the whole upload is rejected with one reason (row-level problems are
//! [`super::RowFailure`]s instead).
use thiserror::Error;

/// Why an upload could not be read, or a file could not be written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpreadsheetError {
    #[error("文件超过{max_mib}MB，请删除多余内容或分批导入")]
    FileTooLarge { max_mib: u64 },
    #[error("文件是空的，请重新选择填写好的《参保人信息模板-通用》")]
    EmptyFile,
    #[error("文件是PDF，不是Excel表格，请上传用《参保人信息模板-通用》填写的.xlsx文件")]
    Pdf,
    #[error("文件是文本或CSV格式，不是Excel表格，请用Excel打开后“另存为”Excel工作簿（.xlsx）再导入")]
    Text,
    #[error("文件是{format}格式，请用Excel或WPS打开后“另存为”Excel工作簿（.xlsx）再导入")]
    OtherSpreadsheet { format: &'static str },
    #[error(
        "文件不是Excel或WPS表格（.xlsx、.xls）或OpenDocument表格（.ods），请上传用《参保人信息模板-通用》填写的文件"
    )]
    NotXlsx,
    #[error("文件设置了打开密码，无法读取；请在Excel或WPS中取消密码并保存后再导入")]
    Encrypted,
    #[error("文件已损坏或不完整，无法读取，请用Excel打开确认内容后重新保存再导入")]
    CorruptFile,
    #[error("文件解压后的内容过大或压缩比异常，无法安全读取；请把人员数据复制粘贴到新下载的模板中再导入")]
    ContentTooLarge,
    #[error("表格中的文字过多（超过{max}个不同的文字内容），请删除多余内容或分批导入")]
    TooManyStrings { max: u64 },
    #[error("有单元格的内容超过{max}个字符，请检查表格内容")]
    CellTooLong { max: usize },
    #[error("文件不是《参保人信息模板-通用》，请先下载最新模板再填写")]
    WrongTemplate,
    #[error("表格中没有人员数据")]
    NoDataRows,
    #[error("人员数据超过{max}行，请分批导入")]
    TooManyRows { max: u32 },
    #[error("表格第{max}列之后还有内容，请删除模板以外的列后再导入")]
    TooManyColumns { max: u32 },
    /// Writing a file failed: a bug or a full disk, never the clerk's doing.
    #[error("生成Excel文件失败，请稍后重试")]
    Write { detail: String },
}

impl SpreadsheetError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::FileTooLarge { .. } => "FILE_TOO_LARGE",
            Self::EmptyFile | Self::Pdf | Self::Text | Self::OtherSpreadsheet { .. } | Self::NotXlsx => "NOT_XLSX",
            Self::Encrypted => "FILE_ENCRYPTED",
            Self::CorruptFile => "CORRUPT_FILE",
            Self::ContentTooLarge => "CONTENT_TOO_LARGE",
            Self::TooManyStrings { .. } => "TOO_MANY_STRINGS",
            Self::CellTooLong { .. } => "CELL_TOO_LONG",
            Self::WrongTemplate => "WRONG_TEMPLATE",
            Self::NoDataRows => "NO_DATA_ROWS",
            Self::TooManyRows { .. } => "TOO_MANY_ROWS",
            Self::TooManyColumns { .. } => "TOO_MANY_COLUMNS",
            Self::Write { .. } => "XLSX_WRITE_FAILED",
        }
    }

    /// True when the clerk can fix it (every variant but [`SpreadsheetError::Write`]): a 4xx.
    pub fn is_clients_fault(&self) -> bool {
        !matches!(self, Self::Write { .. })
    }
}

impl From<rust_xlsxwriter::XlsxError> for SpreadsheetError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        SpreadsheetError::Write { detail: e.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        assert_eq!(SpreadsheetError::Pdf.code(), "NOT_XLSX");
        assert!(
            SpreadsheetError::Pdf
                .to_string()
                .starts_with("文件是PDF，不是Excel表格")
        );
        assert_eq!(
            SpreadsheetError::WrongTemplate.to_string(),
            "文件不是《参保人信息模板-通用》，请先下载最新模板再填写"
        );
        assert_eq!(
            SpreadsheetError::FileTooLarge { max_mib: 5 }.to_string(),
            "文件超过5MB，请删除多余内容或分批导入"
        );
        assert!(!SpreadsheetError::Write { detail: "x".into() }.is_clients_fault());
        assert!(SpreadsheetError::NoDataRows.is_clients_fault());
    }
}
