; %define parameter decorations: =x (evaluated), &x (made a string),
; &&x (a string unless it is one), !x (braces kept), x+ (the last
; parameter takes the rest, and may be left out); %, is a comma only
; when something follows it up to the next parameter.
; args: -f bin
%define X 5
%define greedy(a,b,c+) a + 66 %, b * 3 %, c
	db greedy(1,2)
	db greedy(1,2,3)
	db greedy(1,2,3,4)
%define str(&a) a
	db str(X+1), str("q")
%define cstr(&&a) a
	db cstr("ab"), cstr(X)
%define ev(=a) a
	db ev(X*3), ev(-1)
%define raw(!a) %str(a)
	db raw({1,2})
%define rest(a,b+) [a|b]
	db rest(1,{2,3},4)
%define join(sep, s1, sn+) %strcat(s1, sn)
	db join(':', 'a')
	db join(':', 'a', 'b')
