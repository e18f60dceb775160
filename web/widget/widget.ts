// Placeholder: the feedback widget (issue #9) goes here.
export {};
