// Placeholder: the staff console (issue #9) goes here.
export {};
