//! A printed delivery plan read into checked rows (issue 19). To be written.
